// ocirt.node: what the Node process itself needs natively. The container set-up is
// not here: it is done by the separate single-threaded ocirt-init executable.
#include "napi/exports.h"

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  ocirt::register_process_control(env, exports);
  ocirt::register_wait_process(env, exports);
  ocirt::register_unmount(env, exports);
  ocirt::register_cgroup_bpf(env, exports);
  ocirt::register_cgroup_events(env, exports);
  return exports;
}

NODE_API_MODULE(ocirt, InitAddon)
