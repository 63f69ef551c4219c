#include <errno.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

// Flags the kernel locks on a mount that came from a more privileged mount namespace:
// a bind remount must repeat them or it fails with EPERM.
unsigned long locked_flags(const std::string& path) {
  struct statvfs st;
  if (statvfs(path.c_str(), &st) != 0) return 0;
  unsigned long f = 0;
  if (st.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) f |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) f |= MS_RELATIME;
  if (st.f_flag & ST_RDONLY) f |= MS_RDONLY;
  return f;
}

void remount_keeping_locked(const std::string& target, unsigned long flags, const std::string& report_path) {
  if (mount("", target.c_str(), nullptr, flags | MS_REMOUNT | MS_BIND, nullptr) == 0) return;
  if (errno != EPERM) die_errno("remount", report_path);
  unsigned long atime_mask = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
  unsigned long locked = locked_flags(target);
  unsigned long merged = flags | (locked & ~MS_RDONLY);
  if (flags & atime_mask) merged = (merged & ~atime_mask) | (flags & atime_mask);
  if (mount("", target.c_str(), nullptr, merged | MS_REMOUNT | MS_BIND, nullptr) != 0) die_errno("remount", report_path);
}

namespace {
// "mode=<permission, set-id and sticky bits>" of the mount point, read from the very
// handle the tmpfs is then mounted on. Only for a point that existed: one the runtime
// makes keeps tmpfs's default, as with runc.
std::string mount_point_mode(int target, const std::string& destination) {
  struct stat st;
  if (fstat(target, &st) != 0) die_errno("fstat", destination);
  char mode[16];
  snprintf(mode, sizeof mode, "mode=%04o", unsigned(st.st_mode & 07777));
  return mode;
}
void remount_and_propagate(int root_fd, const PlanMount& m) {
  // The old handle refers to what lies under the new mount: open the mount itself.
  int mounted = open_in_root(root_fd, m.destination, m.no_symlinks);
  if (mounted < 0) die_errno("openat2", m.destination);
  std::string mounted_path = fd_path(mounted);
  if (m.remount_flags) remount_keeping_locked(mounted_path, m.remount_flags & ~(MS_REMOUNT | MS_BIND), m.destination);
  for (unsigned long p : m.propagation)
    if (mount("", mounted_path.c_str(), nullptr, p, nullptr) != 0) die_errno("mount propagation", m.destination);
  close(mounted);
}
}  // namespace

void mount_one(int root_fd, const PlanMount& m, int source_fd) {
  int target = m.copy_mount_point_mode ? open_in_root(root_fd, m.destination, m.no_symlinks) : -1;
  std::string data_string = m.data;
  if (target >= 0) {
    std::string mode = mount_point_mode(target, m.destination);
    // First, so that a mode= of the plan's own would still win.
    data_string = data_string.empty() ? mode : mode + "," + data_string;
  } else {
    target = open_or_create_in_root(root_fd, m.destination, m.create_file, m.no_symlinks);
  }
  std::string target_path = fd_path(target);
  std::string source = source_fd >= 0 ? fd_path(source_fd) : m.source;
  const char* fstype = m.fstype.empty() ? nullptr : m.fstype.c_str();
  const char* data = data_string.empty() ? nullptr : data_string.c_str();
  int copy_from = open_copy_up_source(target, m);
  if (m.idmap.set) {
    attach_idmapped(source_fd, target, m);
  } else if (mount(source.c_str(), target_path.c_str(), fstype, m.flags, data) != 0) {
    int err = errno;
    die_errno_code(err, "mount", m.source + " on " + m.destination);
  }
  close(target);
  if (m.remount_flags || !m.propagation.empty()) remount_and_propagate(root_fd, m);
  finish_mount_extensions(root_fd, m, copy_from);
}

}  // namespace ocirt

namespace ocirt {

// Read-only tmpfs mounts were made writable so that mount points, devices, symlinks and
// /dev/console could be created in them; now they become what the config asked for,
// and the recursive attributes meant for the end of the set-up reach their submounts.
void make_readonly_after_setup(int root_fd, const Plan& plan) {
  for (auto it = plan.mounts.rbegin(); it != plan.mounts.rend(); ++it) {
    bool attributes = it->has_recursive_attributes && it->attributes_after_setup;
    if (!it->readonly_after_setup && !attributes) continue;
    int target = open_in_root(root_fd, it->destination, it->no_symlinks);
    if (target < 0) die_errno("openat2", it->destination);
    std::string path = fd_path(target);
    if (it->readonly_after_setup && mount("", path.c_str(), nullptr, it->flags | MS_REMOUNT | MS_RDONLY, nullptr) != 0)
      die_errno("remount read-only", it->destination);
    recursive_attributes_after_setup(target, *it);
    close(target);
  }
}

}  // namespace ocirt
