#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/sync_channel.h"
#include "core/sys_error.h"
#include "init/init.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace ocirt {

void join_namespaces(const std::vector<NamespaceJoin>& joins) {
  // Open them all first: after joining a mount namespace the host paths are gone.
  std::vector<int> fds;
  for (const auto& ns : joins) {
    int fd = open(ns.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) die_errno("open", ns.path);
    fds.push_back(fd);
  }
  for (size_t i = 0; i < fds.size(); i++) {
    if (setns(fds[i], joins[i].flag) != 0) die_errno("setns", joins[i].path);
    close(fds[i]);
  }
}

void take_joined_user_namespace_ids(const Plan& plan) {
  if (!plan.has_joined_user_namespace_ids) return;
  gid_t gid = plan.joined_user_namespace_gid;
  uid_t uid = plan.joined_user_namespace_uid;
  if (setresgid(gid, gid, gid) != 0) die_errno("setresgid", std::to_string(gid) + " in the joined user namespace");
  if (setresuid(uid, uid, uid) != 0) die_errno("setresuid", std::to_string(uid) + " in the joined user namespace");
}

static void write_time_offsets(const Plan& plan) {
  std::string text;
  if (plan.monotonic.set)
    text += "monotonic " + std::to_string(plan.monotonic.secs) + " " + std::to_string(plan.monotonic.nanosecs) + "\n";
  if (plan.boottime.set)
    text += "boottime " + std::to_string(plan.boottime.secs) + " " + std::to_string(plan.boottime.nanosecs) + "\n";
  if (text.empty()) return;
  // A non-dumpable process's /proc/self files belong to the host's root, which a new
  // user namespace does not map: be dumpable for this one open. No process of the
  // container exists yet to take advantage of it.
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) die_errno("prctl", "PR_SET_DUMPABLE");
  int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open", "/proc/self/timens_offsets");
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) die_errno("prctl", "PR_SET_DUMPABLE");
  // One write per line: the kernel parses a single offset per write.
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start) + 1;
    if (write(fd, text.data() + start, end - start) < 0) die_errno("write", "/proc/self/timens_offsets");
    start = end;
  }
  close(fd);
}

void create_namespaces(int sync_fd, const Plan& plan) {
  int flags = plan.create_namespaces;
  if (flags & CLONE_NEWUSER) {
    if (unshare(CLONE_NEWUSER) != 0) die_errno("unshare", "user namespace");
    // The runtime, outside the namespace, writes uid_map/gid_map for this process. While
    // non-dumpable, /proc/<pid> belongs to the host's root, so an unprivileged runtime
    // (and newuidmap, which checks the owner) could not write them: dumpable for that
    // moment only, as runc. No process of the container exists yet.
    if (plan.wait_for_id_maps) {
      bool dumpable = plan.dumpable_for_id_maps;
      if (dumpable && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) die_errno("prctl", "PR_SET_DUMPABLE");
      request_and_wait(sync_fd, "{\"type\":\"idmap\"}");
      if (dumpable && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) die_errno("prctl", "PR_SET_DUMPABLE");
    }
    if (setresgid(0, 0, 0) != 0 && errno != EINVAL) die_errno("setresgid", "0");
    if (setresuid(0, 0, 0) != 0 && errno != EINVAL) die_errno("setresuid", "0");
    flags &= ~CLONE_NEWUSER;
  }
  if (flags && unshare(flags) != 0) die_errno("unshare", "namespaces");
  if (flags & CLONE_NEWTIME) write_time_offsets(plan);
}

}  // namespace ocirt
