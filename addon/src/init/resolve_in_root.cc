// Paths inside the container's rootfs are resolved with openat2(RESOLVE_IN_ROOT) from a
// handle on the rootfs, so a symlink in the image can never lead outside it, and every
// mount is made on the handle found, not on a path resolved again later.
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {
int openat2_in_root(int root_fd, const std::string& path, uint64_t extra_flags, bool no_symlinks) {
  struct open_how how = {};
  how.flags = O_PATH | O_CLOEXEC | extra_flags;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (no_symlinks ? RESOLVE_NO_SYMLINKS : 0);
  const char* rel = path.c_str();
  while (*rel == '/') rel++;
  if (*rel == '\0') rel = ".";
  int fd;
  do {
    fd = int(syscall(SYS_openat2, root_fd, rel, &how, sizeof how));
  } while (fd < 0 && errno == EAGAIN);
  return fd;
}

[[noreturn]] void die_symlink(const std::string& path) {
  // "must be mounted on ordinary directory" is runc's wording, which scripts grep for.
  die_message("mount destination " + path + " is or passes through a symlink: it must be mounted on ordinary directory", path);
}
}  // namespace

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

int open_in_root(int root_fd, const std::string& path, bool no_symlinks) {
  return openat2_in_root(root_fd, path, 0, no_symlinks);
}

int open_parent_in_root(int root_fd, const std::string& path, std::string& base_name) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  base_name = slash == std::string::npos ? p : p.substr(slash + 1);
  std::string parent = slash == std::string::npos || slash == 0 ? "/" : p.substr(0, slash);
  if (base_name == "." || base_name == ".." || base_name.empty()) die_message("invalid path in the container", path);
  return open_or_create_in_root(root_fd, parent, false, false);
}

int open_or_create_in_root(int root_fd, const std::string& path, bool as_file, bool no_symlinks) {
  int fd = openat2_in_root(root_fd, path, 0, no_symlinks);
  if (fd >= 0) return fd;
  if (errno == ELOOP && no_symlinks) die_symlink(path);
  if (errno != ENOENT) die_errno("openat2", path);

  // Walk down, creating what is missing relative to the handle of the existing parent.
  std::string prefix;
  size_t pos = 0;
  int last = -1;
  while (pos < path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    std::string name = path.substr(pos, next - pos);
    pos = next + 1;
    if (name.empty() || name == ".") continue;
    bool is_last = path.find_first_not_of('/', pos) == std::string::npos;
    std::string parent = prefix.empty() ? "/" : prefix;
    prefix += "/" + name;
    int existing = openat2_in_root(root_fd, prefix, 0, no_symlinks);
    if (existing >= 0) {
      if (last >= 0) close(last);
      last = existing;
      continue;
    }
    if (errno == ELOOP && no_symlinks) die_symlink(path);
    if (errno != ENOENT) die_errno("openat2", prefix);
    if (name == "..") die_errno_code(ENOENT, "openat2", prefix);
    int parent_fd = last >= 0 ? last : openat2_in_root(root_fd, parent, 0, no_symlinks);
    if (parent_fd < 0) die_errno("openat2", parent);
    if (is_last && as_file) {
      int f = openat(parent_fd, name.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
      if (f < 0 && errno != EEXIST) die_errno("create", prefix);
      if (f >= 0) close(f);
    } else if (mkdirat(parent_fd, name.c_str(), 0755) != 0 && errno != EEXIST) {
      die_errno("mkdir", prefix);
    }
    close(parent_fd);
    last = openat2_in_root(root_fd, prefix, 0, no_symlinks);
    if (last < 0) die_errno("openat2", prefix);
  }
  if (last < 0) die_errno_code(ENOENT, "openat2", path);
  return last;
}

}  // namespace ocirt
