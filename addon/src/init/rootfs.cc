#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>


#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {
std::string read_mountinfo() {
  std::string text;
  int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open", "/proc/self/mountinfo");
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, size_t(n));
  close(fd);
  return text;
}

// Field `index` (0-based) of a mountinfo line, with its octal escapes decoded.
std::string field_of(const std::string& line, int index) {
  size_t pos = 0;
  for (int field = 0; field < index; field++) {
    pos = line.find(' ', pos);
    if (pos == std::string::npos) return "";
    pos++;
  }
  size_t end = line.find(' ', pos);
  std::string raw = line.substr(pos, end == std::string::npos ? std::string::npos : end - pos), out;
  for (size_t i = 0; i < raw.size(); i++) {
    if (raw[i] == '\\' && i + 3 < raw.size()) {
      out += char(strtol(raw.substr(i + 1, 3).c_str(), nullptr, 8));
      i += 3;
    } else {
      out += raw[i];
    }
  }
  return out;
}

std::string mount_point_of(const std::string& line) { return field_of(line, 4); }

// The file system type: the first field after the " - " separator.
std::string fs_type_of(const std::string& line) {
  size_t sep = line.find(" - ");
  return sep == std::string::npos ? "" : field_of(line.substr(sep + 3), 0);
}

bool is_under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path.compare(0, dir.size(), dir) == 0 && (path.size() == dir.size() || path[dir.size()] == '/');
}

// Before an MS_MOVE the host's mounts stay in the container's mount namespace, under
// the new root. A full mount (the file system's root) of a type the plan names, outside
// the rootfs, is detached; a mount that cannot be unmounted (locked by a user namespace)
// is covered by a tmpfs instead. Each is made a slave first so the unmount never
// propagates to the host.
void hide_outside_root(const Plan& plan) {
  if (plan.hide_fs_types_outside_root.empty()) return;
  // mountinfo names the rootfs's own mounts by its real path.
  char* real = realpath(plan.rootfs.c_str(), nullptr);
  if (!real) die_errno("realpath", plan.rootfs);
  std::string rootfs = real;
  free(real);
  std::vector<std::string> targets;
  std::string text = read_mountinfo();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    std::string type = fs_type_of(line), mount_point = mount_point_of(line);
    bool listed = false;
    for (const auto& t : plan.hide_fs_types_outside_root) listed = listed || t == type;
    if (listed && field_of(line, 3) == "/" && !is_under(mount_point, rootfs)) targets.push_back(mount_point);
  }
  for (const auto& target : targets) {
    if (mount(nullptr, target.c_str(), nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
      if (errno == ENOENT) continue;  // under a mount detached already
      die_errno("mount slave", target);
    }
    if (umount2(target.c_str(), MNT_DETACH) == 0) continue;
    if (errno != EINVAL && errno != EPERM) die_errno("umount2", target);
    if (mount("tmpfs", target.c_str(), "tmpfs", 0, nullptr) != 0) die_errno("mount tmpfs", target);
  }
}

// Mount point of the longest mountinfo entry that is a prefix of path.
std::string parent_mount_of(const std::string& path) {
  std::string text = read_mountinfo(), best = "/";
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string mount_point = mount_point_of(text.substr(start, end - start));
    start = end + 1;
    bool prefix = path.compare(0, mount_point.size(), mount_point) == 0 &&
                  (path.size() == mount_point.size() || path[mount_point.size()] == '/' || mount_point == "/");
    if (prefix && mount_point.size() > best.size()) best = mount_point;
  }
  return best;
}
}  // namespace

void prepare_root(const Plan& plan) {
  set_stage("rootfs");
  // Without a mount namespace of its own the container's mounts go into the rootfs in
  // the caller's namespace; the host's own mounts are left as they are.
  if (!plan.own_mount_namespace) return;
  if (mount(nullptr, "/", nullptr, plan.root_propagation, nullptr) != 0) die_errno("mount propagation", "/");
  // pivot_root refuses a new root whose parent mount is shared.
  if (plan.make_rootfs_private) {
    std::string parent = parent_mount_of(plan.rootfs);
    if (mount(nullptr, parent.c_str(), nullptr, MS_PRIVATE, nullptr) != 0) die_errno("mount private", parent);
  }
  if (mount(plan.rootfs.c_str(), plan.rootfs.c_str(), "bind", MS_BIND | MS_REC, nullptr) != 0)
    die_errno("mount bind", plan.rootfs);
}

void enter_root(const Plan& plan) {
  set_stage("pivot");
  int new_root = open(plan.rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (new_root < 0) die_errno("open", plan.rootfs);
  if (fchdir(new_root) != 0) die_errno("chdir", plan.rootfs);
  if (!plan.own_mount_namespace) {
    if (chroot(".") != 0) die_errno("chroot", plan.rootfs);
  } else if (plan.no_pivot) {
    hide_outside_root(plan);
    if (mount(plan.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) != 0) die_errno("mount move", plan.rootfs);
    if (chroot(".") != 0) die_errno("chroot", plan.rootfs);
  } else {
    int old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (old_root < 0) die_errno("open", "/");
    if (syscall(SYS_pivot_root, ".", ".") != 0) die_errno("pivot_root", plan.rootfs);
    // The old root is now stacked under the new one; detach it without letting the
    // unmount propagate back to the host.
    if (fchdir(old_root) != 0) die_errno("chdir", "old root");
    if (mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) die_errno("mount slave", "old root");
    if (umount2(".", MNT_DETACH) != 0) die_errno("umount2", "old root");
    close(old_root);
  }
  if (chdir("/") != 0) die_errno("chdir", "/");
  close(new_root);
}

// runc's behaviour: a shared or unbindable rootfsPropagation applies to the new "/" too.
void restore_root_propagation(const Plan& plan) {
  if (!plan.own_mount_namespace) return;
  unsigned long kind = plan.root_propagation & (MS_SHARED | MS_UNBINDABLE);
  if (!kind) return;
  if (mount(nullptr, "/", nullptr, kind | (plan.root_propagation & MS_REC), nullptr) != 0)
    die_errno("mount propagation", "/");
}

void mask_paths(const Plan& plan) {
  if (plan.masked_paths.empty()) return;
  set_stage("masked paths");
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) die_errno("open", "/");
  // The null device used to cover files must be the real one, not what the image put at
  // /dev/null (CVE-2025-31133).
  int null_fd = open_in_root(root, "/dev/null", true);
  struct stat st;
  if (null_fd < 0 || fstat(null_fd, &st) != 0) die_errno("open", "/dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    die_message("/dev/null in the container is not the null device; refusing to mask paths with it", "/dev/null");
  std::string null_path = fd_path(null_fd);
  for (const auto& p : plan.masked_paths) {
    int target = open_in_root(root, p, false);
    if (target < 0) {
      if (errno == ENOENT) continue;
      die_errno("openat2", p);
    }
    struct stat ts;
    if (fstat(target, &ts) != 0) die_errno("fstat", p);
    std::string target_path = fd_path(target);
    int rc = S_ISDIR(ts.st_mode)
                 ? mount("tmpfs", target_path.c_str(), "tmpfs", MS_RDONLY, nullptr)
                 : mount(null_path.c_str(), target_path.c_str(), nullptr, MS_BIND, nullptr);
    if (rc != 0) die_errno("mount", "masked path " + p);
    close(target);
  }
  close(null_fd);
  close(root);
}

void readonly_paths(const Plan& plan) {
  if (plan.readonly_paths.empty()) return;
  set_stage("readonly paths");
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) die_errno("open", "/");
  for (const auto& p : plan.readonly_paths) {
    int target = open_in_root(root, p, false);
    if (target < 0) {
      if (errno == ENOENT) continue;
      die_errno("openat2", p);
    }
    std::string target_path = fd_path(target);
    if (mount(target_path.c_str(), target_path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
      die_errno("mount bind", "readonly path " + p);
    close(target);
    int mounted = open_in_root(root, p, false);
    if (mounted < 0) die_errno("openat2", p);
    remount_keeping_locked(fd_path(mounted), MS_RDONLY, "readonly path " + p);
    close(mounted);
  }
  close(root);
}

void make_root_readonly() {
  set_stage("readonly root");
  remount_keeping_locked("/", MS_RDONLY, "/");
}

}  // namespace ocirt
