// Idmapped bind mounts (PlanMount.idmap). The clone is made by the bind source helper
// (bind_sources.cc), which keeps the runtime's credentials: MOUNT_ATTR_IDMAP needs
// CAP_SYS_ADMIN over the source's filesystem, which a container's root lacks. The helper
// has entered the container's mount namespace, so open_tree(OPEN_TREE_CLONE) copies the
// mounts the container got, with the flags the kernel locked when that namespace was made
// (a clone taken from the host's namespace would come without those locks, and the
// container could then clear a read-only or nosuid flag it inherited). The user namespace
// that holds the mapping belongs to the helper's child, never to the container.
// The init attaches the clone with move_mount onto the destination's handle, resolved in
// the rootfs like every other mount point.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {
bool write_map(pid_t pid, const char* file, const std::string& text) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // One write: the kernel takes a map only whole.
  bool ok = write(fd, text.data(), text.size()) == ssize_t(text.size());
  int err = errno;
  close(fd);
  errno = err;
  return ok;
}

// A child that unshares a user namespace and waits; this process writes its maps (it is
// privileged in the parent namespace, so any host ids may be mapped) and keeps a handle.
int make_user_namespace(const PlanIdmapUserNamespace& u, IdmapFailure& failure) {
  int ready[2], hold[2];
  if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(hold, O_CLOEXEC) != 0) {
    failure = {errno, IDMAP_USERNS_UNSHARE, 0};
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    failure = {errno, IDMAP_USERNS_UNSHARE, 0};
    return -1;
  }
  if (pid == 0) {
    close(ready[0]);
    close(hold[1]);
    int err = unshare(CLONE_NEWUSER) == 0 ? 0 : errno;
    ssize_t ignored = write(ready[1], &err, sizeof err);
    (void)ignored;
    char c;
    // Until the helper has its handle (or is gone): then EOF.
    while (read(hold[0], &c, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
  }
  close(ready[1]);
  close(hold[0]);
  int err = 0;
  ssize_t n;
  do {
    n = read(ready[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  if (n != sizeof err) err = ECHILD;
  close(ready[0]);
  int fd = -1;
  if (err != 0) {
    failure = {err, IDMAP_USERNS_UNSHARE, 0};
  } else if (!write_map(pid, "uid_map", u.uid_map)) {
    failure = {errno, IDMAP_USERNS_UID_MAP, 0};
  } else if (!write_map(pid, "gid_map", u.gid_map)) {
    failure = {errno, IDMAP_USERNS_GID_MAP, 0};
  } else {
    std::string ns = "/proc/" + std::to_string(pid) + "/ns/user";
    fd = open(ns.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) failure = {errno, IDMAP_USERNS_OPEN, 0};
  }
  close(hold[1]);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return fd;
}

const char* fs_name(int64_t type) {
  switch (uint64_t(type)) {
    case 0x01021994: return "tmpfs";
    case 0xef53: return "ext2/3/4";
    case 0x58465342: return "xfs";
    case 0x9123683e: return "btrfs";
    case 0x794c7630: return "overlayfs";
    case 0x62656572: return "sysfs";
    case 0x9fa0: return "proc";
    case 0x858458f6: return "ramfs";
    case 0x6969: return "nfs";
    case 0x65735546: return "fuse";
    case 0x4d44: return "vfat";
    case 0x01021997: return "9p";
    case 0x1cd1: return "devpts";
    case 0x2fc12fc1: return "zfs";
    case 0xf2f52010: return "f2fs";
    default: return nullptr;
  }
}
}  // namespace

bool open_idmap_user_namespaces(const Plan& plan, std::vector<int>& fds, IdmapFailure& failure, size_t& failed) {
  for (size_t i = 0; i < plan.idmap_user_namespaces.size(); i++) {
    const auto& u = plan.idmap_user_namespaces[i];
    int fd;
    if (!u.path.empty()) {
      fd = open(u.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) failure = {errno, IDMAP_USERNS_OPEN, 0};
    } else {
      fd = make_user_namespace(u, failure);
    }
    if (fd < 0) {
      failed = i;
      return false;
    }
    fds.push_back(fd);
  }
  return true;
}

int clone_idmapped(const PlanMount& m, int userns_fd, IdmapFailure& failure) {
  unsigned int clone_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m.idmap.clone_recursive ? AT_RECURSIVE : 0);
  int tree = open_tree(AT_FDCWD, m.source.c_str(), clone_flags);
  if (tree < 0) {
    failure = {errno, IDMAP_OPEN_TREE, 0};
    return -1;
  }
  struct mount_attr attr = {};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = uint64_t(userns_fd);
  unsigned int set_flags = AT_EMPTY_PATH | (m.idmap.recursive ? AT_RECURSIVE : 0);
  if (mount_setattr(tree, "", set_flags, &attr, sizeof attr) != 0) {
    failure = {errno, IDMAP_MOUNT_SETATTR, 0};
    struct statfs st;
    if (fstatfs(tree, &st) == 0) failure.fs_type = int64_t(st.f_type);
    close(tree);
    return -1;
  }
  return tree;
}

void die_idmap_failure(const IdmapFailure& f, const Plan& plan, size_t index) {
  bool of_mount = f.step == IDMAP_OPEN_TREE || f.step == IDMAP_MOUNT_SETATTR;
  if (index >= (of_mount ? plan.mounts.size() : plan.idmap_user_namespaces.size()))
    die_message("bind source opener answered with an unknown index");
  if (of_mount) {
    const PlanMount& m = plan.mounts[index];
    std::string where = m.source + " for " + m.idmap.config_pointer;
    if (f.step == IDMAP_OPEN_TREE) die_errno_code(f.err, "open_tree", where);
    if (f.err == EINVAL) {
      char type[32];
      snprintf(type, sizeof type, "0x%llx", (unsigned long long)f.fs_type);
      const char* name = fs_name(f.fs_type);
      where += std::string(" (the ") + (name ? name : "") + (name ? " " : "") + "filesystem, statfs type " + type +
               (m.idmap.recursive ? ", or one under it," : "") + " does not support idmapped mounts on this kernel)";
    }
    die_errno_code(f.err, "mount_setattr", where);
  }
  const PlanIdmapUserNamespace& u = plan.idmap_user_namespaces[index];
  auto one_line = [](std::string text) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    for (char& c : text)
      if (c == '\n') c = ',';
    return text;
  };
  std::string what = "user namespace for idmapped mounts";
  switch (f.step) {
    case IDMAP_USERNS_UNSHARE: die_errno_code(f.err, "unshare", what);
    case IDMAP_USERNS_UID_MAP: die_errno_code(f.err, "write", "uid_map of the " + what + ": " + one_line(u.uid_map));
    case IDMAP_USERNS_GID_MAP: die_errno_code(f.err, "write", "gid_map of the " + what + ": " + one_line(u.gid_map));
    default: die_errno_code(f.err, "open", u.path.empty() ? what : u.path);
  }
}

void attach_idmapped(int tree_fd, int target_fd, const PlanMount& m) {
  if (tree_fd < 0) die_message("idmapped mount without its clone", m.destination);
  if (move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    die_errno("move_mount", m.source + " on " + m.destination + " (" + m.idmap.config_pointer + ")");
}

}  // namespace ocirt
