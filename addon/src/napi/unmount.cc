#include <errno.h>
#include <sys/mount.h>

#include "napi/errors.h"
#include "napi/exports.h"

namespace ocirt {

namespace {
// umount2(path, MNT_DETACH): used by `delete` for mounts a container without a mount
// namespace of its own left in its rootfs.
Napi::Value detach_mount(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0) throw_sys_error(info.Env(), errno, "umount2", path);
  return info.Env().Undefined();
}
}  // namespace

void register_unmount(Napi::Env env, Napi::Object exports) {
  exports.Set("detachMount", Napi::Function::New(env, detach_mount));
}

}  // namespace ocirt
