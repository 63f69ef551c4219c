#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {
Napi::Value set_child_subreaper(const Napi::CallbackInfo& info) {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) throw_sys_error(info.Env(), errno, "prctl", "PR_SET_CHILD_SUBREAPER");
  return info.Env().Undefined();
}

Napi::Value is_child_subreaper(const Napi::CallbackInfo& info) {
  int on = 0;
  if (prctl(PR_GET_CHILD_SUBREAPER, &on, 0, 0, 0) != 0) throw_sys_error(info.Env(), errno, "prctl", "PR_GET_CHILD_SUBREAPER");
  return Napi::Boolean::New(info.Env(), on != 0);
}

Napi::Value pidfd_open(const Napi::CallbackInfo& info) {
  int pid = info[0].As<Napi::Number>().Int32Value();
  int fd = int(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) {
    throw_sys_error(info.Env(), errno, "pidfd_open", std::to_string(pid));
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value pidfd_send_signal(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  int sig = info[1].As<Napi::Number>().Int32Value();
  if (syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0) != 0)
    throw_sys_error(info.Env(), errno, "pidfd_send_signal", std::to_string(sig));
  return info.Env().Undefined();
}
}  // namespace

void register_process_control(Napi::Env env, Napi::Object exports) {
  exports.Set("setChildSubreaper", Napi::Function::New(env, set_child_subreaper));
  exports.Set("isChildSubreaper", Napi::Function::New(env, is_child_subreaper));
  exports.Set("pidfdOpen", Napi::Function::New(env, pidfd_open));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, pidfd_send_signal));
}

}  // namespace ocirt
