// The parts of a mount beyond mount(2) and its remount: tmpcopyup (the new tmpfs gets a
// copy of the directory under it) and the recursive attributes (mount_setattr with
// AT_RECURSIVE, reaching every submount).
#include <dirent.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/sys_error.h"
#include "init/init.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

namespace ocirt {

namespace {

// The xattrs tmpfs takes (security.*, trusted.* with CAP_SYS_ADMIN, user.* on regular
// files and directories since Linux 6.6); the ones it refuses are left behind.
void copy_xattrs(int from, int to, const std::string& path) {
  ssize_t size = flistxattr(from, nullptr, 0);
  if (size < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP)) return;
  if (size < 0) die_errno("flistxattr", path);
  if (size == 0) return;
  std::vector<char> names(size_t(size) + 1);
  size = flistxattr(from, names.data(), names.size());
  if (size < 0) die_errno("flistxattr", path);
  for (ssize_t i = 0; i < size; i += ssize_t(strlen(&names[size_t(i)])) + 1) {
    const char* name = &names[size_t(i)];
    ssize_t vsize = fgetxattr(from, name, nullptr, 0);
    if (vsize < 0) die_errno("fgetxattr", path + " " + name);
    std::vector<char> value(size_t(vsize) + 1);
    vsize = fgetxattr(from, name, value.data(), value.size());
    if (vsize < 0) die_errno("fgetxattr", path + " " + name);
    if (fsetxattr(to, name, value.data(), size_t(vsize), 0) != 0 && errno != EOPNOTSUPP && errno != ENOTSUP &&
        errno != EPERM && errno != EINVAL)
      die_errno("fsetxattr", path + " " + name);
  }
}

void copy_contents(int from, int to, const std::string& path) {
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = read(from, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die_errno("read", path);
    if (n == 0) return;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(to, buf.data() + done, size_t(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) die_errno("write", path);
      done += w;
    }
  }
}

// Owner, then the mode (chown clears set-id bits); symlinks have no mode of their own.
void copy_owner_and_mode(int dir, const char* name, const struct stat& st, const std::string& path) {
  if (fchownat(dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) die_errno("fchownat", path);
  if (!S_ISLNK(st.st_mode) && fchmodat(dir, name, st.st_mode & 07777, 0) != 0) die_errno("fchmodat", path);
}

void copy_tree(int from_dir, int to_dir, const std::string& path);

void copy_entry(int from_dir, int to_dir, const char* name, const std::string& path) {
  struct stat st;
  if (fstatat(from_dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) die_errno("fstatat", path);
  switch (st.st_mode & S_IFMT) {
    case S_IFREG: {
      int from = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      if (from < 0) die_errno("openat", path);
      int to = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (to < 0) die_errno("openat", path);
      copy_contents(from, to, path);
      copy_xattrs(from, to, path);
      close(from);
      close(to);
      break;
    }
    case S_IFDIR: {
      if (mkdirat(to_dir, name, 0700) != 0) die_errno("mkdirat", path);
      int from = openat(from_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (from < 0) die_errno("openat", path);
      int to = openat(to_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (to < 0) die_errno("openat", path);
      copy_xattrs(from, to, path);
      copy_tree(from, to, path);
      break;
    }
    case S_IFLNK: {
      std::vector<char> target(size_t(st.st_size > 0 ? st.st_size : 255) + 2);
      ssize_t n = readlinkat(from_dir, name, target.data(), target.size() - 1);
      if (n < 0) die_errno("readlinkat", path);
      target[size_t(n)] = '\0';
      if (symlinkat(target.data(), to_dir, name) != 0) die_errno("symlinkat", path);
      break;
    }
    default:  // devices, fifos, sockets
      if (mknodat(to_dir, name, st.st_mode, st.st_rdev) != 0) die_errno("mknodat", path);
      break;
  }
  copy_owner_and_mode(to_dir, name, st, path);
}

// Closes both.
void copy_tree(int from_dir, int to_dir, const std::string& path) {
  DIR* d = fdopendir(from_dir);
  if (!d) die_errno("fdopendir", path);
  errno = 0;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    copy_entry(dirfd(d), to_dir, e->d_name, path + "/" + name);
    errno = 0;
  }
  if (errno != 0) die_errno("readdir", path);
  closedir(d);
  close(to_dir);
}

void copy_up(int from_dir, int mounted, const PlanMount& m) {
  int to = openat(mounted, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (to < 0) die_errno("openat", m.destination);
  struct stat st;
  if (fstat(from_dir, &st) != 0) die_errno("fstat", m.destination);
  if (m.copy_up_root_owner && fchown(to, st.st_uid, st.st_gid) != 0) die_errno("fchown", m.destination);
  copy_xattrs(from_dir, to, m.destination);
  copy_tree(from_dir, to, m.destination);
}

void set_recursive_attributes(int mounted, const PlanMount& m) {
  struct mount_attr attr = {};
  attr.attr_set = m.attr_set;
  attr.attr_clr = m.attr_clr;
  if (syscall(SYS_mount_setattr, mounted, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
    die_errno("mount_setattr", m.destination);
}

}  // namespace

int open_copy_up_source(int target, const PlanMount& m) {
  if (!m.copy_up) return -1;
  int fd = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die_errno("openat", m.destination);
  return fd;
}

void finish_mount_extensions(int root_fd, const PlanMount& m, int copy_from) {
  bool attributes_now = m.has_recursive_attributes && !m.attributes_after_setup;
  if (copy_from < 0 && !attributes_now) return;
  int mounted = open_in_root(root_fd, m.destination, m.no_symlinks);
  if (mounted < 0) die_errno("openat2", m.destination);
  if (copy_from >= 0) copy_up(copy_from, mounted, m);
  if (attributes_now) set_recursive_attributes(mounted, m);
  close(mounted);
}

void recursive_attributes_after_setup(int mounted, const PlanMount& m) {
  if (m.has_recursive_attributes && m.attributes_after_setup) set_recursive_attributes(mounted, m);
}

}  // namespace ocirt
