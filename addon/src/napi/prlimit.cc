// prlimit(2) on another process: the runtime sets the rlimits of an init or exec'd
// process that is in a user namespace, where its own setrlimit could not raise a hard
// limit (only CAP_SYS_RESOURCE in the initial user namespace allows that).
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <string>

#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {
// setRlimit(pid, resource, soft, hard) with the limits as decimal strings (uint64).
Napi::Value set_rlimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsString() || !info[3].IsString()) {
    Napi::TypeError::New(env, "setRlimit(pid: number, resource: number, soft: string, hard: string)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  int resource = info[1].As<Napi::Number>().Int32Value();
  struct rlimit lim = {strtoull(info[2].As<Napi::String>().Utf8Value().c_str(), nullptr, 10),
                       strtoull(info[3].As<Napi::String>().Utf8Value().c_str(), nullptr, 10)};
  if (prlimit(pid, static_cast<enum __rlimit_resource>(resource), &lim, nullptr) != 0) throw_sys_error(env, errno, "prlimit");
  return env.Undefined();
}
}  // namespace

void register_prlimit(Napi::Env env, Napi::Object exports) {
  exports.Set("setRlimit", Napi::Function::New(env, set_rlimit));
}

}  // namespace ocirt
