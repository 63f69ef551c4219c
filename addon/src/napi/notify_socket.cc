// sd_notify datagrams (AF_UNIX SOCK_DGRAM), which Node cannot make: the container's own
// notify socket the runtime listens on, and the caller's NOTIFY_SOCKET it forwards to.
// Only the transport is here; what is forwarded is decided in src/lifecycle/notify-socket.ts.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

#include "core/fd_send.h"
#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {

const size_t kMaxDatagram = 4096;

// The address of path: "@name" is an abstract socket (as systemd and Go read it); a path
// too long for sun_path is reached through an O_PATH fd of its directory, which the
// caller closes (dir_fd >= 0).
bool datagram_address(const std::string& path, struct sockaddr_un& addr, socklen_t& len, int& dir_fd) {
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  dir_fd = -1;
  std::string target = path;
  if (!path.empty() && path[0] == '@') {
    if (path.size() > sizeof addr.sun_path) {
      errno = ENAMETOOLONG;
      return false;
    }
    memcpy(addr.sun_path + 1, path.data() + 1, path.size() - 1);
    len = socklen_t(offsetof(struct sockaddr_un, sun_path) + path.size());
    return true;
  }
  if (path.size() >= sizeof addr.sun_path) {
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    dir_fd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return false;
    target = "/proc/self/fd/" + std::to_string(dir_fd) + "/" + path.substr(slash + 1);
    if (target.size() >= sizeof addr.sun_path) {
      errno = ENAMETOOLONG;
      return false;
    }
  }
  memcpy(addr.sun_path, target.data(), target.size());
  len = sizeof addr;
  return true;
}

bool string_arg(const Napi::CallbackInfo& info, size_t i) { return info.Length() > i && info[i].IsString(); }
bool number_arg(const Napi::CallbackInfo& info, size_t i) { return info.Length() > i && info[i].IsNumber(); }

// bindDatagram(path, mode) → fd: a socket bound at path (a stale socket file there is
// replaced), its file chmod'ed to mode so that any container user may send.
Napi::Value bind_datagram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!string_arg(info, 0) || !number_arg(info, 1)) {
    Napi::TypeError::New(env, "bindDatagram(path: string, mode: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  mode_t mode = mode_t(info[1].As<Napi::Number>().Uint32Value());
  struct stat st;
  if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());
  struct sockaddr_un addr;
  socklen_t len;
  int dir_fd;
  if (!datagram_address(path, addr, len, dir_fd)) {
    throw_sys_error(env, errno, "bind", path);
    return env.Undefined();
  }
  int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int err = 0;
  const char* call = "socket";
  if (sock >= 0 && bind(sock, reinterpret_cast<struct sockaddr*>(&addr), len) != 0) {
    err = errno;
    call = "bind";
  } else if (sock < 0) {
    err = errno;
  }
  if (dir_fd >= 0) close(dir_fd);
  if (err == 0 && chmod(path.c_str(), mode) != 0) {
    err = errno;
    call = "chmod";
  }
  if (err != 0) {
    if (sock >= 0) close(sock);
    throw_sys_error(env, err, call, path);
    return env.Undefined();
  }
  return Napi::Number::New(env, sock);
}

// connectDatagram(path) → fd connected to the datagram socket at path ("@name": abstract).
Napi::Value connect_datagram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!string_arg(info, 0)) {
    Napi::TypeError::New(env, "connectDatagram(path: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  struct sockaddr_un addr;
  socklen_t len;
  int dir_fd;
  if (!datagram_address(path, addr, len, dir_fd)) {
    throw_sys_error(env, errno, "connect", path);
    return env.Undefined();
  }
  int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int err = sock < 0 ? errno : 0;
  if (sock >= 0) {
    int r;
    do {
      r = connect(sock, reinterpret_cast<struct sockaddr*>(&addr), len);
    } while (r != 0 && errno == EINTR);
    if (r != 0) err = errno;
  }
  if (dir_fd >= 0) close(dir_fd);
  if (err != 0) {
    if (sock >= 0) close(sock);
    throw_sys_error(env, err, sock < 0 ? "socket" : "connect", path);
    return env.Undefined();
  }
  return Napi::Number::New(env, sock);
}

// sendDatagram(fd, payload): one datagram on a connected socket.
Napi::Value send_datagram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!number_arg(info, 0) || !string_arg(info, 1)) {
    Napi::TypeError::New(env, "sendDatagram(fd: number, payload: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int sock = info[0].As<Napi::Number>().Int32Value();
  std::string payload = info[1].As<Napi::String>().Utf8Value();
  ssize_t n;
  do {
    n = send(sock, payload.data(), payload.size(), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw_sys_error(env, errno, "send");
  return env.Undefined();
}

Napi::Error sys_error(Napi::Env env, int err, const char* syscall) {
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + " failed");
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

// receiveDatagram(fd, pidfd) → Promise<Buffer | null>: the next datagram on fd, or null
// once pidfd (a process being watched) is readable, i.e. the process has exited.
class ReceiveWorker : public Napi::AsyncWorker {
 public:
  ReceiveWorker(Napi::Env env, int sock, int pidfd)
      : Napi::AsyncWorker(env), sock_(sock), pidfd_(pidfd), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    for (;;) {
      struct pollfd p[2] = {{sock_, POLLIN, 0}, {pidfd_, POLLIN, 0}};
      int r = poll(p, 2, -1);
      if (r < 0) {
        if (errno == EINTR) continue;
        err_ = errno;
        call_ = "poll";
        return;
      }
      if (p[0].revents & POLLIN) {
        ssize_t n = recv(sock_, buf_, sizeof buf_, MSG_DONTWAIT);
        if (n >= 0) {
          len_ = n;
          got_ = true;
          return;
        }
        if (errno == EAGAIN || errno == EINTR) continue;
        err_ = errno;
        call_ = "recv";
        return;
      }
      if (p[1].revents) return;  // the process exited
      if (p[0].revents) {
        err_ = EIO;
        call_ = "poll";
        return;
      }
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_) {
      deferred_.Reject(sys_error(env, err_, call_).Value());
    } else if (got_) {
      deferred_.Resolve(Napi::Buffer<char>::Copy(env, buf_, size_t(len_)));
    } else {
      deferred_.Resolve(env.Null());
    }
  }

 private:
  int sock_;
  int pidfd_;
  char buf_[kMaxDatagram];
  ssize_t len_ = 0;
  bool got_ = false;
  int err_ = 0;
  const char* call_ = "";
  Napi::Promise::Deferred deferred_;
};

Napi::Value receive_datagram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!number_arg(info, 0) || !number_arg(info, 1)) {
    Napi::TypeError::New(env, "receiveDatagram(fd: number, pidfd: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* worker = new ReceiveWorker(env, info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value());
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}

// notifyBarrier(fd, timeoutMs) → Promise<'closed' | 'timeout' | 'data'>: sd_notify_barrier:
// "BARRIER=1" with the write end of a new pipe, then wait for the receiver to close it.
class BarrierWorker : public Napi::AsyncWorker {
 public:
  BarrierWorker(Napi::Env env, int sock, int timeout_ms)
      : Napi::AsyncWorker(env), sock_(sock), timeout_ms_(timeout_ms), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
      err_ = errno;
      call_ = "pipe2";
      return;
    }
    int err = send_with_fd(sock_, "BARRIER=1", p[1]);
    close(p[1]);
    if (err) {
      close(p[0]);
      err_ = err;
      call_ = "sendmsg";
      return;
    }
    struct pollfd pf = {p[0], POLLIN, 0};
    int r;
    do {
      r = poll(&pf, 1, timeout_ms_);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      err_ = errno;
      call_ = "poll";
    } else if (r == 0) {
      result_ = "timeout";
    } else {
      char c;
      ssize_t n = read(p[0], &c, 1);
      result_ = n == 0 ? "closed" : "data";
    }
    close(p[0]);
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_) {
      deferred_.Reject(sys_error(env, err_, call_).Value());
    } else {
      deferred_.Resolve(Napi::String::New(env, result_));
    }
  }

 private:
  int sock_;
  int timeout_ms_;
  const char* result_ = "closed";
  int err_ = 0;
  const char* call_ = "";
  Napi::Promise::Deferred deferred_;
};

Napi::Value notify_barrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!number_arg(info, 0) || !number_arg(info, 1)) {
    Napi::TypeError::New(env, "notifyBarrier(fd: number, timeoutMs: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* worker = new BarrierWorker(env, info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value());
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}
}  // namespace

void register_notify_socket(Napi::Env env, Napi::Object exports) {
  exports.Set("bindDatagram", Napi::Function::New(env, bind_datagram));
  exports.Set("connectDatagram", Napi::Function::New(env, connect_datagram));
  exports.Set("sendDatagram", Napi::Function::New(env, send_datagram));
  exports.Set("receiveDatagram", Napi::Function::New(env, receive_datagram));
  exports.Set("notifyBarrier", Napi::Function::New(env, notify_barrier));
}

}  // namespace ocirt
