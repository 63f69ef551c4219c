// CRIU's RPC (`criu swrk FD`) speaks protobuf messages over an AF_UNIX SOCK_SEQPACKET
// socket, one message per packet, and hands over fds (the pty master of a restored
// terminal) as SCM_RIGHTS: neither is reachable from Node's net module. Restore also
// needs the rootfs bind-mounted on a directory of its own (CRIU wants a mount point).
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {

const size_t kMaxPacket = 10 * 4096;
const size_t kMaxFds = 16;

// seqpacketPair() → [fd, fd]: a connected SOCK_SEQPACKET pair, both close-on-exec.
Napi::Value seqpacket_pair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    throw_sys_error(env, errno, "socketpair");
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(uint32_t(0), Napi::Number::New(env, sv[0]));
  out.Set(uint32_t(1), Napi::Number::New(env, sv[1]));
  return out;
}

// sendPacket(socket, data: Buffer): one packet.
Napi::Value send_packet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsBuffer()) {
    Napi::TypeError::New(env, "sendPacket(socket: number, data: Buffer)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int sock = info[0].As<Napi::Number>().Int32Value();
  auto data = info[1].As<Napi::Buffer<uint8_t>>();
  for (;;) {
    ssize_t n = send(sock, data.Data(), data.Length(), MSG_NOSIGNAL);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    throw_sys_error(env, errno, "sendmsg");
    break;
  }
  return env.Undefined();
}

// receivePacket(socket, timeoutMs) → {data: Buffer, fds: number[]}, or null when the
// peer is gone. Received fds are close-on-exec. A packet larger than the buffer is an
// error (EMSGSIZE), not a silently cut message.
Napi::Value receive_packet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "receivePacket(socket: number, timeoutMs: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int sock = info[0].As<Napi::Number>().Int32Value();
  int timeout = info[1].As<Napi::Number>().Int32Value();
  struct pollfd p = {sock, POLLIN, 0};
  for (;;) {
    int r = poll(&p, 1, timeout);
    if (r > 0) break;
    if (r == 0) {
      throw_sys_error(env, ETIMEDOUT, "poll", "criu swrk socket");
      return env.Undefined();
    }
    if (errno != EINTR) {
      throw_sys_error(env, errno, "poll", "criu swrk socket");
      return env.Undefined();
    }
  }
  std::vector<uint8_t> buf(kMaxPacket);
  union {
    char raw[CMSG_SPACE(sizeof(int) * kMaxFds)];
    struct cmsghdr align;
  } control;
  struct iovec iov = {buf.data(), buf.size()};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.raw;
  msg.msg_controllen = sizeof control.raw;
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == ECONNRESET) return env.Null();
    throw_sys_error(env, errno, "recvmsg", "criu swrk socket");
    return env.Undefined();
  }
  std::vector<int> fds;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.push_back(fd);
    }
  }
  if (n == 0 && fds.empty()) return env.Null();
  if (msg.msg_flags & MSG_TRUNC) {
    for (int fd : fds) close(fd);
    throw_sys_error(env, EMSGSIZE, "recvmsg", "criu swrk socket");
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", Napi::Buffer<uint8_t>::Copy(env, buf.data(), size_t(n)));
  Napi::Array list = Napi::Array::New(env, fds.size());
  for (size_t i = 0; i < fds.size(); i++) list.Set(uint32_t(i), Napi::Number::New(env, fds[i]));
  out.Set("fds", list);
  return out;
}

// bindMount(source, target): mount(source, target, MS_BIND | MS_REC).
Napi::Value bind_mount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    Napi::TypeError::New(env, "bindMount(source: string, target: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string source = info[0].As<Napi::String>().Utf8Value();
  std::string target = info[1].As<Napi::String>().Utf8Value();
  if (mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) throw_sys_error(env, errno, "mount", target);
  return env.Undefined();
}
}  // namespace

void register_criu_transport(Napi::Env env, Napi::Object exports) {
  exports.Set("seqpacketPair", Napi::Function::New(env, seqpacket_pair));
  exports.Set("sendPacket", Napi::Function::New(env, send_packet));
  exports.Set("receivePacket", Napi::Function::New(env, receive_packet));
  exports.Set("bindMount", Napi::Function::New(env, bind_mount));
}

}  // namespace ocirt
