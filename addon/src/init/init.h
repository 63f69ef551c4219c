// Stages of ocirt-init. bootstrap (stage 1) joins and creates the namespaces and forks
// the container init (stage 2), which sets up the rootfs and the process and waits on
// the exec fifo until `start`.
#pragma once
#include <string>

#include "core/plan.h"

namespace ocirt {

// Stage 1: never returns; the parent side exits, the child continues in run_init.
[[noreturn]] void run_bootstrap(int sync_fd, const Plan& plan);
[[noreturn]] void run_init(int sync_fd, const Plan& plan, int fifo_fd);

// namespaces.cc
void join_namespaces(const Plan& plan);
void create_namespaces(int sync_fd, const Plan& plan);

// resolve_in_root.cc
int open_in_root(int root_fd, const std::string& path, bool no_symlinks);
int open_or_create_in_root(int root_fd, const std::string& path, bool as_file, bool no_symlinks);
int open_parent_in_root(int root_fd, const std::string& path, std::string& base_name);
std::string fd_path(int fd);

// mounts.cc
void mount_one(int root_fd, const PlanMount& m);
void make_readonly_after_setup(int root_fd, const Plan& plan);
unsigned long locked_flags(const std::string& path);
void remount_keeping_locked(const std::string& target, unsigned long flags, const std::string& report_path);

// rootfs.cc
void prepare_root(const Plan& plan);
void enter_root(const Plan& plan);
void restore_root_propagation(const Plan& plan);
void mask_paths(const Plan& plan);
void readonly_paths(const Plan& plan);
void make_root_readonly();

// devices.cc
void create_devices(int root_fd, const Plan& plan);
void create_symlinks(int root_fd, const Plan& plan);

// credentials.cc
void apply_rlimits(const PlanProcess& p);
void apply_credentials(const PlanProcess& p);

// hooks.cc
void run_hooks(const char* kind, const std::vector<PlanHook>& hooks, const std::string& state_json);

// exec_process.cc
std::string find_executable(const PlanProcess& p);
void reset_signals();
[[noreturn]] void exec_process(const PlanProcess& p, const std::string& path);

// self_protect.cc
void ensure_sealed_copy(int argc, char** argv);

}  // namespace ocirt
