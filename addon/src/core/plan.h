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

struct PlanMount {
  std::string source, destination, fstype, data;
  unsigned long flags = 0, remount_flags = 0;
  std::vector<unsigned long> propagation;
  bool create_file = false;
  bool no_symlinks = false;
  bool readonly_after_setup = false;
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
  bool no_new_privileges = false;
  // Create cwd (mkdir -p, 0755, inside the root) when it is missing, as runc does.
  bool create_cwd = false;
  bool has_oom_score_adj = false;
  int oom_score_adj = 0;
};

struct Plan {
  std::string container_id;
  std::vector<NamespaceJoin> join_namespaces;
  int create_namespaces = 0;
  bool wait_for_id_maps = false;
  TimeOffset monotonic, boottime;
  std::string exec_fifo;
  std::string rootfs;
  unsigned long root_propagation = 0;
  bool make_rootfs_private = true;
  bool no_pivot = false;
  bool readonly_root = false;
  bool own_mount_namespace = true;
  std::vector<PlanMount> mounts;
  std::vector<PlanDevice> devices;
  std::vector<PlanSymlink> dev_symlinks;
  std::vector<std::string> masked_paths, readonly_paths;
  std::vector<std::pair<std::string, std::string>> sysctl;
  bool has_hostname = false, has_domainname = false;
  std::string hostname, domainname;
  PlanProcess process;
  int preserve_fds = 0;
  std::vector<PlanHook> create_container_hooks, start_container_hooks;
};

// Dies with a report when the plan is not what the runtime should have sent.
Plan plan_from_json(const JsonValue& v);

}  // namespace ocirt
