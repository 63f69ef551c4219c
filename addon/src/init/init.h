// Stages of ocirt-init. bootstrap (stage 1) joins and creates the namespaces and forks
// the container init (stage 2), which sets up the rootfs and the process and waits on
// the exec fifo until `start`.
#pragma once
#include <string>
#include <vector>

#include "core/plan.h"

namespace ocirt {

// Stage 1: never returns; the parent side exits, the child continues in run_init.
[[noreturn]] void run_bootstrap(int sync_fd, const Plan& plan);
// source_fds: per plan mount, the preopened bind source (bind_sources.cc) or -1.
[[noreturn]] void run_init(int sync_fd, const Plan& plan, int fifo_fd, const std::vector<int>& source_fds);
// exec_init.cc: `exec` joins the container's namespaces, forks the process and exits.
[[noreturn]] void run_exec(int sync_fd, const ExecPlan& plan);
// netdev.cc: `ocirt-init <syncfd> netdev` moves host interfaces into a container's
// network namespace (linux.netDevices), from the host's namespaces.
[[noreturn]] void run_netdev(int sync_fd);

// Process attributes (PlanAttributes), each in its own file: scheduler.cc, ioprio.cc,
// personality.cc, mempolicy.cc, lsm.cc. Applied while the init still has its
// capabilities, in runc's order.
void apply_scheduler(const PlanScheduler& s);
void apply_io_priority(int value);
void apply_personality(unsigned long persona);
void apply_memory_policy(const PlanMemoryPolicy& m);
void apply_exec_labels(const std::vector<PlanAttrWrite>& labels);
// process_attributes.cc: all of the above that the plan sets, in that order.
void apply_process_attributes(const PlanAttributes& a);
// oom_score_adj.cc: process.oomScoreAdj, written by the runtime process before it joins
// or creates any namespace (the container inherits it).
void write_oom_score_adj(int value);
// affinity.cc: sched_setaffinity with a mask of 64-bit words (execCPUAffinity, for exec).
void set_cpu_affinity(const std::vector<unsigned long>& mask);

// seccomp_load.cc. load_seccomp installs the filter and returns the listener fd when
// the plan has notify (else -1); hand_over_seccomp_listener reports it on the sync
// channel ({"type":"seccomp","fd":N}), waits for the runtime's ack and closes it.
// apply_seccomp does both. Call as late as possible: before dropping capabilities when
// s.before_credentials (noNewPrivileges false), else after; before the sync fd closes.
int load_seccomp(const PlanSeccomp& s);
void hand_over_seccomp_listener(int sync_fd, int listener_fd);
void apply_seccomp(int sync_fd, const PlanSeccomp& s);

// bind_sources.cc: the helper that opens PlanMount.preopen_source sources with the
// runtime's credentials. Start it before joining or creating any namespace; receive
// once the container's mount namespace exists (fds per plan mount, -1 for the others).
struct BindSourceOpener {
  pid_t pid = -1;
  int sock = -1;
};
BindSourceOpener start_bind_source_opener(const Plan& plan);
std::vector<int> receive_bind_sources(BindSourceOpener& opener, const Plan& plan);

// idmap_mounts.cc: PlanMount.idmap. The helper of bind_sources.cc makes the user
// namespaces and the idmapped clones (with the runtime's credentials, in the container's
// mount namespace); the init attaches each clone with move_mount.
enum IdmapStep : int32_t {
  IDMAP_USERNS_UNSHARE = 1,
  IDMAP_USERNS_UID_MAP,
  IDMAP_USERNS_GID_MAP,
  IDMAP_USERNS_OPEN,
  IDMAP_OPEN_TREE,
  IDMAP_MOUNT_SETATTR,
};
struct IdmapFailure {
  int32_t err = 0;
  int32_t step = 0;
  // statfs f_type of the source (mount_setattr failures).
  int64_t fs_type = 0;
};
// One fd per plan.idmap_user_namespaces entry; false with `failed` its index.
bool open_idmap_user_namespaces(const Plan& plan, std::vector<int>& fds, IdmapFailure& failure, size_t& failed);
// The idmapped clone of m.source, or -1.
int clone_idmapped(const PlanMount& m, int userns_fd, IdmapFailure& failure);
// index: of the mount (open_tree, mount_setattr) or of the user namespace (other steps).
[[noreturn]] void die_idmap_failure(const IdmapFailure& f, const Plan& plan, size_t index);
void attach_idmapped(int tree_fd, int target_fd, const PlanMount& m);

// namespaces.cc
void join_namespaces(const std::vector<NamespaceJoin>& joins);
// After join_namespaces: the ids of plan.joined_user_namespace_ids, if any.
void take_joined_user_namespace_ids(const Plan& plan);
void create_namespaces(int sync_fd, const Plan& plan);

// resolve_in_root.cc
int open_in_root(int root_fd, const std::string& path, bool no_symlinks);
int open_or_create_in_root(int root_fd, const std::string& path, bool as_file, bool no_symlinks);
int open_parent_in_root(int root_fd, const std::string& path, std::string& base_name);
std::string fd_path(int fd);

// mounts.cc
// source_fd >= 0: bind from that handle instead of m.source.
void mount_one(int root_fd, const PlanMount& m, int source_fd);
void make_readonly_after_setup(int root_fd, const Plan& plan);
unsigned long locked_flags(const std::string& path);
void remount_keeping_locked(const std::string& target, unsigned long flags, const std::string& report_path);

// mount_extensions.cc: tmpcopyup and the recursive attributes. open_copy_up_source: a
// readable handle of the directory a tmpcopyup tmpfs will cover (target: its O_PATH
// handle, before the mount), else -1. finish_mount_extensions, after the mount: the
// copy (closing copy_from) and the attributes that are not for the end of the set-up.
int open_copy_up_source(int target, const PlanMount& m);
void finish_mount_extensions(int root_fd, const PlanMount& m, int copy_from);
void recursive_attributes_after_setup(int mounted, const PlanMount& m);

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
// setrlimit each, or with rlimits_by_runtime a {"type":"rlimits"} request on sync_fd.
void apply_rlimits(int sync_fd, const PlanProcess& p);
void apply_credentials(const PlanProcess& p);

// terminal.cc
void setup_terminal(int sync_fd, const PlanTerminal& t);
void fix_stdio_ownership(uid_t uid);

// hooks.cc
void run_hooks(const char* kind, const std::vector<PlanHook>& hooks, const std::string& state_json);

// exec_process.cc
std::string find_executable(const PlanProcess& p);
void reset_signals();
[[noreturn]] void exec_process(const PlanProcess& p, const std::string& path);

// self_protect.cc
void ensure_sealed_copy(int argc, char** argv);

}  // namespace ocirt
