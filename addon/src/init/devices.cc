#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {
void bind_host_device(int root_fd, const PlanDevice& d) {
  int target = open_or_create_in_root(root_fd, d.path, true, true);
  std::string target_path = fd_path(target);
  if (mount(d.path.c_str(), target_path.c_str(), nullptr, MS_BIND, nullptr) != 0) die_errno("mount bind", d.path);
  close(target);
}

void make_device_node(int root_fd, const PlanDevice& d) {
  std::string name;
  int parent = open_parent_in_root(root_fd, d.path, name);
  // Whatever the image left there (a file, a symlink) is replaced, never followed.
  if (unlinkat(parent, name.c_str(), 0) != 0 && errno != ENOENT) die_errno("unlink", d.path);
  if (mknodat(parent, name.c_str(), d.mode, makedev(d.major, d.minor)) != 0) die_errno("mknod", d.path);
  if (fchownat(parent, name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) != 0) die_errno("chown", d.path);
  if (fchmodat(parent, name.c_str(), d.mode & 07777, 0) != 0) die_errno("chmod", d.path);
  close(parent);
}
}  // namespace

void create_devices(int root_fd, const Plan& plan) {
  set_stage("devices");
  for (const auto& d : plan.devices) {
    if (d.bind)
      bind_host_device(root_fd, d);
    else
      make_device_node(root_fd, d);
  }
}

void create_symlinks(int root_fd, const Plan& plan) {
  for (const auto& s : plan.dev_symlinks) {
    std::string name;
    int parent = open_parent_in_root(root_fd, s.link, name);
    if (s.replace && unlinkat(parent, name.c_str(), 0) != 0 && errno != ENOENT) die_errno("unlink", s.link);
    if (symlinkat(s.target.c_str(), parent, name.c_str()) != 0 && errno != EEXIST) die_errno("symlink", s.link);
    close(parent);
  }
}

}  // namespace ocirt
