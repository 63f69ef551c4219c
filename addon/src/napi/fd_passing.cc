// File descriptors over AF_UNIX sockets (SCM_RIGHTS), which Node's net module cannot
// do: the pty master comes from ocirt-init on a socket pair and goes on to the engine's
// --console-socket. Every fd made here is close-on-exec. Blocking calls take a timeout
// so a peer that never answers cannot hang the runtime.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "core/fd_send.h"
#include "core/unix_socket.h"
#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {

int timeout_arg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int32Value() : -1;
}

// socketPair(kind?) → [fd, fd]: a connected SOCK_STREAM pair, or SOCK_SEQPACKET with
// "seqpacket" (CRIU's RPC), both close-on-exec.
Napi::Value socket_pair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool seqpacket = info.Length() > 0 && info[0].IsString() && info[0].As<Napi::String>().Utf8Value() == "seqpacket";
  int sv[2];
  if (socketpair(AF_UNIX, (seqpacket ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC, 0, sv) != 0) {
    throw_sys_error(env, errno, "socketpair");
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(uint32_t(0), Napi::Number::New(env, sv[0]));
  out.Set(uint32_t(1), Napi::Number::New(env, sv[1]));
  return out;
}

// sendFd(socket, fd, payload): one message carrying payload and fd.
Napi::Value send_fd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsString()) {
    Napi::TypeError::New(env, "sendFd(socket: number, fd: number, payload: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int sock = info[0].As<Napi::Number>().Int32Value();
  int fd = info[1].As<Napi::Number>().Int32Value();
  std::string payload = info[2].As<Napi::String>().Utf8Value();
  if (payload.empty()) payload = " ";
  int err = send_with_fd(sock, payload, fd);
  if (err) throw_sys_error(env, err, "sendmsg");
  return env.Undefined();
}

// receiveFd(socket, timeoutMs?) → {fd, payload}, or null at end of stream. The fd is
// close-on-exec; any further fds in the message are closed.
Napi::Value receive_fd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "receiveFd(socket: number, timeoutMs?: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int sock = info[0].As<Napi::Number>().Int32Value();
  if (!wait_readable(sock, timeout_arg(info, 1))) {
    throw_sys_error(env, errno, "poll", "receive fd");
    return env.Undefined();
  }
  std::string payload;
  int fd;
  int err = receive_with_fd(sock, payload, fd);
  if (err == EBADMSG) {
    throw_sys_error(env, EBADMSG, "recvmsg", "a message without a file descriptor");
    return env.Undefined();
  }
  if (err == EMSGSIZE) {
    throw_sys_error(env, EMSGSIZE, "recvmsg", "truncated control message");
    return env.Undefined();
  }
  if (err != 0) {
    throw_sys_error(env, err, "recvmsg");
    return env.Undefined();
  }
  if (fd < 0) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", Napi::Number::New(env, fd));
  out.Set("payload", Napi::String::New(env, payload));
  return out;
}

// connectUnix(path) → fd of a SOCK_STREAM connection to the listener at path.
Napi::Value connect_unix_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "connectUnix(path: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int sock;
  const char* call;
  int err = connect_unix(path, sock, call);
  if (err != 0) {
    throw_sys_error(env, err, call, path);
    return env.Undefined();
  }
  return Napi::Number::New(env, sock);
}

// listenUnix(path) → fd of a SOCK_STREAM listener bound at path (for tests and tools).
Napi::Value listen_unix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "listenUnix(path: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  struct sockaddr_un addr;
  int dir_fd;
  if (!unix_address(path, addr, dir_fd)) {
    if (dir_fd >= 0) close(dir_fd);
    throw_sys_error(env, errno, "bind", path);
    return env.Undefined();
  }
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int err = 0;
  const char* call = "socket";
  if (sock >= 0) {
    call = "bind";
    if (bind(sock, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0) {
      err = errno;
    } else {
      call = "listen";
      if (listen(sock, 16) != 0) err = errno;
    }
  } else {
    err = errno;
  }
  if (dir_fd >= 0) close(dir_fd);
  if (err != 0) {
    if (sock >= 0) close(sock);
    throw_sys_error(env, err, call, path);
    return env.Undefined();
  }
  return Napi::Number::New(env, sock);
}

// acceptUnix(listener, timeoutMs?) → fd of the next connection.
Napi::Value accept_unix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "acceptUnix(listener: number, timeoutMs?: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int sock = info[0].As<Napi::Number>().Int32Value();
  if (!wait_readable(sock, timeout_arg(info, 1))) {
    throw_sys_error(env, errno, "poll", "accept");
    return env.Undefined();
  }
  int fd;
  do {
    fd = accept4(sock, nullptr, nullptr, SOCK_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    throw_sys_error(env, errno, "accept4");
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

}  // namespace

void register_fd_passing(Napi::Env env, Napi::Object exports) {
  exports.Set("socketPair", Napi::Function::New(env, socket_pair));
  exports.Set("sendFd", Napi::Function::New(env, send_fd));
  exports.Set("receiveFd", Napi::Function::New(env, receive_fd));
  exports.Set("connectUnix", Napi::Function::New(env, connect_unix_js));
  exports.Set("listenUnix", Napi::Function::New(env, listen_unix));
  exports.Set("acceptUnix", Napi::Function::New(env, accept_unix));
}

}  // namespace ocirt
