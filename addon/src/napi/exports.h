#pragma once
#include <napi.h>

namespace ocirt {
void register_process_control(Napi::Env env, Napi::Object exports);
void register_wait_process(Napi::Env env, Napi::Object exports);
void register_pidfd_wait(Napi::Env env, Napi::Object exports);
void register_unmount(Napi::Env env, Napi::Object exports);
void register_cgroup_bpf(Napi::Env env, Napi::Object exports);
void register_cgroup_events(Napi::Env env, Napi::Object exports);
void register_fd_passing(Napi::Env env, Napi::Object exports);
void register_terminal_size(Napi::Env env, Napi::Object exports);
void register_seccomp_compile(Napi::Env env, Napi::Object exports);
void register_seccomp_kernel(Napi::Env env, Napi::Object exports);
void register_seccomp_notify_fd(Napi::Env env, Napi::Object exports);
void register_cpu_affinity(Napi::Env env, Napi::Object exports);
void register_systemd_bus(Napi::Env env, Napi::Object exports);
void register_prlimit(Napi::Env env, Napi::Object exports);
void register_mount_setattr_probe(Napi::Env env, Napi::Object exports);
void register_notify_socket(Napi::Env env, Napi::Object exports);
void register_spawn_process(Napi::Env env, Napi::Object exports);
void register_criu_transport(Napi::Env env, Napi::Object exports);
}  // namespace ocirt
