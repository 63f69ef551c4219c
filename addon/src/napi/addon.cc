// ocirt.node: what the Node process itself needs natively. The container set-up is
// not here: it is done by the separate single-threaded ocirt-init executable.
#include "napi/exports.h"

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  ocirt::register_process_control(env, exports);
  ocirt::register_wait_process(env, exports);
  ocirt::register_pidfd_wait(env, exports);
  ocirt::register_unmount(env, exports);
  ocirt::register_cgroup_bpf(env, exports);
  ocirt::register_cgroup_events(env, exports);
  ocirt::register_fd_passing(env, exports);
  ocirt::register_terminal_size(env, exports);
  ocirt::register_seccomp_compile(env, exports);
  ocirt::register_seccomp_kernel(env, exports);
  ocirt::register_seccomp_notify_fd(env, exports);
  ocirt::register_cpu_affinity(env, exports);
  ocirt::register_systemd_bus(env, exports);
  ocirt::register_prlimit(env, exports);
  ocirt::register_mount_setattr_probe(env, exports);
  ocirt::register_notify_socket(env, exports);
  ocirt::register_spawn_process(env, exports);
  ocirt::register_criu_transport(env, exports);
  return exports;
}

NODE_API_MODULE(ocirt, InitAddon)
