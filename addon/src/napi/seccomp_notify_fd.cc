// SCMP_ACT_NOTIFY plumbing on the runtime side. The init reports the number of its
// seccomp listener fd; the runtime copies it with pidfd_getfd(2) (as runc does, so no
// fd travels over the sync socket that libuv reads) and hands it, with the container
// process state, to the agent listening on linux.seccomp.listenerPath: one sendmsg(2)
// with the JSON as payload and the fd as SCM_RIGHTS, as runtime-spec describes.
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

#include "core/fd_send.h"
#include "napi/errors.h"
#include "napi/exports.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

namespace ocirt {

namespace {

// pidfdGetfd(pid, fd) → a close-on-exec copy of the process's fd in this process.
Napi::Value pidfd_getfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pid = info[0].As<Napi::Number>().Int32Value();
  int target = info[1].As<Napi::Number>().Int32Value();
  int pidfd = int(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    throw_sys_error(env, errno, "pidfd_open", std::to_string(pid));
    return env.Undefined();
  }
  int fd = int(syscall(SYS_pidfd_getfd, pidfd, target, 0));
  int err = errno;
  close(pidfd);
  if (fd < 0) {
    throw_sys_error(env, err, "pidfd_getfd", "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(target));
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}


// sendSeccompListener(socketPath, stateJson, fd): connects, sends, closes the connection.
Napi::Value send_listener(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "sendSeccompListener(path: string, state: string, fd: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::string payload = info[1].As<Napi::String>().Utf8Value();
  int fd = info[2].As<Napi::Number>().Int32Value();
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    throw_sys_error(env, ENAMETOOLONG, "connect", path);
    return env.Undefined();
  }
  memcpy(addr.sun_path, path.data(), path.size());
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) {
    throw_sys_error(env, errno, "socket", path);
    return env.Undefined();
  }
  int rc;
  do rc = connect(sock, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    close(sock);
    throw_sys_error(env, err, "connect", path);
    return env.Undefined();
  }
  int err = send_with_fd(sock, payload, fd);
  close(sock);
  if (err) throw_sys_error(env, err, "sendmsg", path);
  return env.Undefined();
}

}  // namespace

void register_seccomp_notify_fd(Napi::Env env, Napi::Object exports) {
  exports.Set("pidfdGetfd", Napi::Function::New(env, pidfd_getfd));
  exports.Set("sendSeccompListener", Napi::Function::New(env, send_listener));
}

}  // namespace ocirt
