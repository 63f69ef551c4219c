// What this kernel's mount_setattr(2) accepts, without touching any mount: the call is
// made on an invalid fd, so a kernel that knows the syscall and the attributes fails
// the path lookup (EBADF) after validating them (EINVAL for an attribute it does not
// know), and one without the syscall fails with ENOSYS.
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "napi/exports.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

namespace ocirt {

namespace {
// mountSetattrProbe(attrSet, attrClear): the errno of the probe call ("0" never: the fd is -1).
Napi::Value mount_setattr_probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "mountSetattrProbe(attrSet: number, attrClear: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct mount_attr attr = {};
  attr.attr_set = uint64_t(info[0].As<Napi::Number>().Int64Value());
  attr.attr_clr = uint64_t(info[1].As<Napi::Number>().Int64Value());
  long r = syscall(SYS_mount_setattr, -1, "", AT_EMPTY_PATH, &attr, sizeof attr);
  return Napi::Number::New(env, r == 0 ? 0 : errno);
}
}  // namespace

void register_mount_setattr_probe(Napi::Env env, Napi::Object exports) {
  exports.Set("mountSetattrProbe", Napi::Function::New(env, mount_setattr_probe));
}

}  // namespace ocirt
