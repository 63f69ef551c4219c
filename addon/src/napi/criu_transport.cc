// CRIU's RPC (`criu swrk FD`) speaks protobuf messages over an AF_UNIX SOCK_SEQPACKET
// socket, one message per packet, and hands over fds (the pty master of a restored
// terminal) as SCM_RIGHTS: neither is reachable from Node's net module. Restore also
// needs the rootfs bind-mounted on a directory of its own (CRIU wants a mount point).
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/unix_socket.h"
#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {

const size_t kMaxPacket = 10 * 4096;
const size_t kMaxFds = 16;

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
  if (!wait_readable(sock, timeout)) {
    throw_sys_error(env, errno, "poll", "criu swrk socket");
    return env.Undefined();
  }
  std::vector<uint8_t> buf(kMaxPacket);
  std::vector<int> fds;
  size_t n;
  int flags;
  int err = receive_message(sock, buf.data(), buf.size(), kMaxFds, fds, n, flags);
  if (err == ECONNRESET) return env.Null();
  if (err) {
    throw_sys_error(env, err, "recvmsg", "criu swrk socket");
    return env.Undefined();
  }
  if (n == 0 && fds.empty()) return env.Null();
  if (flags & MSG_TRUNC) {
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
  exports.Set("sendPacket", Napi::Function::New(env, send_packet));
  exports.Set("receivePacket", Napi::Function::New(env, receive_packet));
  exports.Set("bindMount", Napi::Function::New(env, bind_mount));
}

}  // namespace ocirt
