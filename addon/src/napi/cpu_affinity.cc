// sched_setaffinity(2) on another process: `exec` gives the new process its
// execCPUAffinity.initial before it joins the container's cgroup (the process is
// spawned by Node, which cannot set its own thread's affinity for the child to inherit).
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {
// setCpuAffinity(pid, maskWords: string[]) with 64-bit words as decimal strings.
Napi::Value set_cpu_affinity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsArray()) {
    Napi::TypeError::New(env, "setCpuAffinity(pid: number, mask: string[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int pid = info[0].As<Napi::Number>().Int32Value();
  Napi::Array words = info[1].As<Napi::Array>();
  std::vector<unsigned long> mask;
  for (uint32_t i = 0; i < words.Length(); i++)
    mask.push_back(strtoul(words.Get(i).As<Napi::String>().Utf8Value().c_str(), nullptr, 10));
  if (syscall(SYS_sched_setaffinity, pid, mask.size() * sizeof(unsigned long), mask.data()) != 0)
    throw_sys_error(env, errno, "sched_setaffinity", std::to_string(pid));
  return env.Undefined();
}
}  // namespace

void register_cpu_affinity(Napi::Env env, Napi::Object exports) {
  exports.Set("setCpuAffinity", Napi::Function::New(env, set_cpu_affinity));
}

}  // namespace ocirt
