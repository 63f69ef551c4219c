#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "core/sync_channel.h"
#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {
// Every capability number the 64-bit masks can hold: the kernel answers EINVAL past its
// last one. Not read from /proc/sys/kernel/cap_last_cap: after pivot_root that path is
// the container's to answer, and a failed read must not shorten the drop.
constexpr int kHighestCapability = 63;

bool setgroups_denied() {
  int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[8] = {};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n >= 4 && std::string(buf, 4) == "deny";
}

void set_capabilities(const PlanCapabilities& c) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  data[0].effective = uint32_t(c.effective);
  data[1].effective = uint32_t(c.effective >> 32);
  data[0].permitted = uint32_t(c.permitted);
  data[1].permitted = uint32_t(c.permitted >> 32);
  data[0].inheritable = uint32_t(c.inheritable);
  data[1].inheritable = uint32_t(c.inheritable >> 32);
  if (syscall(SYS_capset, &header, data) != 0) die_errno("capset", "");
}
}  // namespace

void apply_rlimits(int sync_fd, const PlanProcess& p) {
  set_stage("rlimits");
  if (p.rlimits_by_runtime) {
    request_and_wait(sync_fd, "{\"type\":\"rlimits\"}");
    return;
  }
  for (const auto& r : p.rlimits) {
    struct rlimit lim = {r.soft, r.hard};
    if (setrlimit(r.resource, &lim) != 0) die_errno("setrlimit", "resource " + std::to_string(r.resource));
  }
}

void apply_credentials(const PlanProcess& p) {
  set_stage("credentials");
  const int last = kHighestCapability;
  for (int cap = 0; cap <= last; cap++) {
    if ((p.caps.bounding >> cap) & 1) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) die_errno("prctl", "PR_CAPBSET_DROP");
  }
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) die_errno("prctl", "PR_SET_KEEPCAPS");
  if (!setgroups_denied()) {
    if (setgroups(p.additional_gids.size(), p.additional_gids.data()) != 0) die_errno("setgroups", "");
  } else if (!p.additional_gids.empty()) {
    die_message("additionalGids are set but setgroups is denied in this user namespace");
  }
  if (setresgid(p.gid, p.gid, p.gid) != 0) die_errno("setresgid", std::to_string(p.gid));
  if (setresuid(p.uid, p.uid, p.uid) != 0) die_errno("setresuid", std::to_string(p.uid));
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) die_errno("prctl", "PR_SET_KEEPCAPS");
  set_capabilities(p.caps);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    die_errno("prctl", "PR_CAP_AMBIENT_CLEAR_ALL");
  // Like runc, an ambient capability the kernel refuses (not in permitted and
  // inheritable) is skipped rather than failing the container.
  for (int cap = 0; cap <= last; cap++)
    if ((p.caps.ambient >> cap) & 1) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
  if (p.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die_errno("prctl", "PR_SET_NO_NEW_PRIVS");
}

}  // namespace ocirt
