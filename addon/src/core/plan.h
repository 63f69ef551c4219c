// The InitPlan as the init sees it. Mirrors src/plan/init-plan.ts field for field;
// the TypeScript side has made every decision, this side only reads the values.
#pragma once
#include <stdint.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "core/json.h"

namespace ocirt {

struct NamespaceJoin {
  int flag;
  std::string path;
};

struct TimeOffset {
  bool set = false;
  int64_t secs = 0;
  int64_t nanosecs = 0;
};

// PlanMount.idmap: see PlanMountIdmap in src/plan/init-plan.ts.
struct PlanMountIdmap {
  bool set = false;
  size_t user_namespace = 0;  // index into Plan::idmap_user_namespaces
  bool recursive = false;        // ridmap: mount_setattr AT_RECURSIVE
  bool clone_recursive = false;  // rbind: open_tree AT_RECURSIVE
  std::string config_pointer;
};

// A user namespace carrying an idmapped mount's mapping: made with these maps, or the
// one at `path` (empty path: made).
struct PlanIdmapUserNamespace {
  std::string path, uid_map, gid_map;
};

struct PlanMount {
  std::string source, destination, fstype, data;
  unsigned long flags = 0, remount_flags = 0;
  std::vector<unsigned long> propagation;
  bool create_file = false;
  bool no_symlinks = false;
  bool readonly_after_setup = false;
  // A tmpfs without mode=: start from the mode of the directory it covers, if any.
  bool copy_mount_point_mode = false;
  // recursiveAttributes: mount_setattr(AT_RECURSIVE) after the mount, or with
  // readonly_after_setup at the end of the set-up (init/mount_extensions.cc).
  bool has_recursive_attributes = false;
  uint64_t attr_set = 0, attr_clr = 0;
  bool attributes_after_setup = false;
  // copyUp (tmpcopyup): the tmpfs starts with a copy of the directory it covers.
  bool copy_up = false, copy_up_root_owner = false;
  // A bind whose source is opened with the runtime's credentials before the user
  // namespace (init/bind_sources.cc) and mounted from that handle.
  bool preopen_source = false;
  // An idmapped bind (init/idmap_mounts.cc): the helper clones and idmaps the source, the
  // init attaches the clone with move_mount.
  PlanMountIdmap idmap;
};

struct PlanDevice {
  std::string path;
  mode_t mode;
  unsigned major, minor;
  uid_t uid;
  gid_t gid;
  bool bind;
};

struct PlanSymlink {
  std::string target, link;
  bool replace = false;
};

struct PlanHook {
  std::string path;
  std::vector<std::string> args, env;
  int timeout;
};

struct PlanRlimit {
  int resource;
  uint64_t soft, hard;
};

struct PlanCapabilities {
  uint64_t bounding = 0, effective = 0, inheritable = 0, permitted = 0, ambient = 0;
};

struct PlanProcess {
  std::vector<std::string> args, env;
  std::string cwd, search_path;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  int umask = -1;
  PlanCapabilities caps;
  std::vector<PlanRlimit> rlimits;
  // The runtime sets the rlimits with prlimit(2) when asked ({"type":"rlimits"}): in a
  // user namespace setrlimit could not raise a hard limit.
  bool rlimits_by_runtime = false;
  bool no_new_privileges = false;
  // Create cwd (mkdir -p, 0755, inside the root) when it is missing, as runc does.
  bool create_cwd = false;
  bool has_oom_score_adj = false;
  int oom_score_adj = 0;
};

// A pseudo-terminal for the process (process.terminal). The pty comes from the
// container's devpts; its master is sent to the runtime on channel_fd (SCM_RIGHTS).
struct PlanTerminal {
  bool enabled = false;
  int channel_fd = -1;
  unsigned short rows = 0, cols = 0;
  // The container init: bind the slave on /dev/console. Not for exec.
  bool mount_console = false;
  // Clear ONLCR on the pty (the runtime relays it itself).
  bool clear_onlcr = false;
};

// process.scheduler: the sched_attr of sched_setattr(2).
struct PlanScheduler {
  bool set = false;
  uint32_t policy = 0;
  uint64_t flags = 0;
  int32_t nice = 0;
  uint32_t priority = 0;
  uint64_t runtime = 0, deadline = 0, period = 0;
};

// linux.memoryPolicy: set_mempolicy(mode, node_mask, max_node).
struct PlanMemoryPolicy {
  bool set = false;
  int mode = 0;
  std::vector<unsigned long> node_mask;
  unsigned long max_node = 0;
};

// An LSM label: `value` written to the /proc/self/attr file `path`.
struct PlanAttrWrite {
  std::string path, value;
};

// linux.seccomp, compiled by the runtime: a BPF program for seccomp(2).
struct PlanSeccomp {
  bool set = false;
  std::string filter_base64;
  unsigned int flags = 0;
  // Report the listener fd to the runtime (SCMP_ACT_NOTIFY rules).
  bool notify = false;
  // Load before the capabilities are dropped (noNewPrivileges false).
  bool before_credentials = false;
};

// What the process gets besides credentials, in runc's order: scheduler, I/O priority,
// personality, memory policy, LSM labels, then the seccomp filter.
struct PlanAttributes {
  PlanScheduler scheduler;
  bool has_io_priority = false;
  int io_priority = 0;
  bool has_personality = false;
  unsigned long personality = 0;
  PlanMemoryPolicy memory_policy;
  std::vector<PlanAttrWrite> exec_labels;
  PlanSeccomp seccomp;
  // execCPUAffinity.final (exec only): set just before execve; empty: unchanged.
  std::vector<unsigned long> cpu_affinity_final;
};

struct Plan {
  std::string container_id;
  std::vector<NamespaceJoin> join_namespaces;
  int create_namespaces = 0;
  bool wait_for_id_maps = false;
  bool dumpable_for_id_maps = false;
  // A user namespace joined by path: the ids taken right after joining it.
  bool has_joined_user_namespace_ids = false;
  uid_t joined_user_namespace_uid = 0;
  gid_t joined_user_namespace_gid = 0;
  TimeOffset monotonic, boottime;
  std::string exec_fifo;
  std::string rootfs;
  unsigned long root_propagation = 0;
  bool make_rootfs_private = true;
  bool no_pivot = false;
  // no_pivot: full mounts of these types outside the rootfs are hidden before MS_MOVE.
  std::vector<std::string> hide_fs_types_outside_root;
  bool readonly_root = false;
  bool own_mount_namespace = true;
  std::vector<PlanMount> mounts;
  std::vector<PlanIdmapUserNamespace> idmap_user_namespaces;
  std::vector<PlanDevice> devices;
  std::vector<PlanSymlink> dev_symlinks;
  std::vector<std::string> masked_paths, readonly_paths;
  std::vector<std::pair<std::string, std::string>> sysctl;
  bool has_hostname = false, has_domainname = false;
  std::string hostname, domainname;
  PlanProcess process;
  int preserve_fds = 0;
  PlanTerminal terminal;
  PlanAttributes attributes;
  std::vector<PlanHook> create_container_hooks, start_container_hooks;
};

// `exec`: a process that joins a running (or created) container. Mirrors ExecPlan in
// src/plan/init-plan.ts.
struct ExecPlan {
  std::string container_id;
  // The container init's namespaces, in setns order (user first, mount last).
  std::vector<NamespaceJoin> join_namespaces;
  // chroot after joining (a container without a mount namespace of its own).
  bool has_chroot = false;
  std::string chroot;
  PlanProcess process;
  PlanTerminal terminal;
  int preserve_fds = 0;
  // > 0: the process gets LISTEN_FDS=<n> and LISTEN_PID=<its own pid> (socket activation).
  int listen_fds = 0;
  PlanAttributes attributes;
};

// Dies with a report when the plan is not what the runtime should have sent.
Plan plan_from_json(const JsonValue& v);
ExecPlan exec_plan_from_json(const JsonValue& v);
// The optional fields scheduler, ioPriority, personality, memoryPolicy, execLabels and
// seccomp of an InitPlan (or of another plan that carries them).
PlanAttributes attributes_from(const JsonValue& v);
// A CPU or node mask sent as 64-bit words in decimal strings.
std::vector<unsigned long> mask_words_from(const JsonValue& list);

}  // namespace ocirt
