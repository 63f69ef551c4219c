// cgroup v1 memory notifications: an eventfd registered through cgroup.event_control,
// which the kernel signals on OOM (memory.oom_control) and when the cgroup is removed.
// `ocirt events` reads it (a blocking 8-byte read in libuv's thread pool).
#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <string>

#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {

// memoryEventFd(cgroupDir, controlFile[, args]) → eventfd (blocking, close-on-exec).
Napi::Value memory_event_fd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    Napi::TypeError::New(env, "memoryEventFd(dir: string, file: string, args?: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  std::string file = dir + "/" + info[1].As<Napi::String>().Utf8Value();
  std::string args = info.Length() > 2 && info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";

  int efd = eventfd(0, EFD_CLOEXEC);
  if (efd < 0) {
    throw_sys_error(env, errno, "eventfd");
    return env.Undefined();
  }
  int cfd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (cfd < 0) {
    int err = errno;
    close(efd);
    throw_sys_error(env, err, "open", file);
    return env.Undefined();
  }
  std::string control = dir + "/cgroup.event_control";
  std::string line = std::to_string(efd) + " " + std::to_string(cfd) + (args.empty() ? "" : " " + args);
  int ctl = open(control.c_str(), O_WRONLY | O_CLOEXEC);
  int err = 0;
  if (ctl < 0 || write(ctl, line.data(), line.size()) != ssize_t(line.size())) err = errno;
  if (ctl >= 0) close(ctl);
  // The registration holds what it needs; the control file's fd can go.
  close(cfd);
  if (err != 0) {
    close(efd);
    throw_sys_error(env, err, "write", control);
    return env.Undefined();
  }
  return Napi::Number::New(env, efd);
}

}  // namespace

void register_cgroup_events(Napi::Env env, Napi::Object exports) {
  exports.Set("memoryEventFd", Napi::Function::New(env, memory_event_fd));
}

}  // namespace ocirt
