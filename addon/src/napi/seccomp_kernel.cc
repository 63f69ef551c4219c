// What the running kernel's seccomp supports, for `ocirt features`: each filter flag is
// probed with seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL), which fails with EFAULT
// (reading the missing program) when the kernel knows the flag and EINVAL when it does
// not, so nothing is ever installed; each action with SECCOMP_GET_ACTION_AVAIL. This
// needs no libseccomp.
#include <errno.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "napi/exports.h"

#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif

namespace ocirt {

namespace {

bool flag_known(unsigned long flag) {
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, nullptr);
  return rc < 0 && errno == EFAULT;
}

bool action_available(uint32_t action) {
  return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

// seccompKernelSupport(flags: number[], actions: number[]) → {flags: boolean[], actions: boolean[]}
Napi::Value kernel_support(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsArray()) {
    Napi::TypeError::New(env, "seccompKernelSupport(flags: number[], actions: number[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array flags = info[0].As<Napi::Array>();
  Napi::Array actions = info[1].As<Napi::Array>();
  Napi::Array flag_out = Napi::Array::New(env, flags.Length());
  Napi::Array action_out = Napi::Array::New(env, actions.Length());
  for (uint32_t i = 0; i < flags.Length(); i++)
    flag_out.Set(i, Napi::Boolean::New(env, flag_known(flags.Get(i).As<Napi::Number>().Uint32Value())));
  for (uint32_t i = 0; i < actions.Length(); i++)
    action_out.Set(i, Napi::Boolean::New(env, action_available(actions.Get(i).As<Napi::Number>().Uint32Value())));
  Napi::Object out = Napi::Object::New(env);
  out.Set("flags", flag_out);
  out.Set("actions", action_out);
  return out;
}

}  // namespace

void register_seccomp_kernel(Napi::Env env, Napi::Object exports) {
  exports.Set("seccompKernelSupport", Napi::Function::New(env, kernel_support));
}

}  // namespace ocirt
