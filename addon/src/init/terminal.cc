// process.terminal: a pseudo-terminal allocated inside the container, from the devpts
// instance mounted at /dev/pts of the current root (after pivot_root, or after joining
// the container's mount namespace for exec), as runc does. The master goes to the
// runtime over the terminal channel with SCM_RIGHTS; the slave becomes the process's
// stdio and controlling terminal, and for the container init also /dev/console.
//
// Everything is checked by fd, never by a path opened again later (CVE-2025-52565): the
// master must be a ptmx device and the slave is the master's own peer (TIOCGPTPEER) on a
// devpts file system.
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>

#include <string>

#include "core/fd_send.h"
#include "core/sync_channel.h"
#include "core/sys_error.h"
#include "init/init.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

namespace ocirt {

namespace {
const unsigned kPtmxMajor = 5, kPtmxMinor = 2;
// UNIX98_PTY_SLAVE_MAJOR .. + UNIX98_PTY_MAJOR_COUNT - 1
const unsigned kSlaveMajorFirst = 136, kSlaveMajorLast = 143;

// Opens path (inside the current root, no symlink followed) read-write as a terminal.
int open_ptmx(const char* path) {
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) die_errno("open", "/");
  struct open_how how = {};
  how.flags = O_RDWR | O_NOCTTY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  int fd;
  do {
    fd = int(syscall(SYS_openat2, root, path + 1, &how, sizeof how));
  } while (fd < 0 && errno == EAGAIN);
  int err = errno;
  close(root);
  errno = err;
  return fd;
}

int open_master() {
  // /dev/pts/ptmx is the multiplexer of the container's own devpts instance; /dev/ptmx
  // (a symlink to it in a runtime-made /dev) is the fallback when /dev/pts/ptmx is missing.
  int master = open_ptmx("/dev/pts/ptmx");
  const char* used = "/dev/pts/ptmx";
  if (master < 0 && errno == ENOENT) {
    master = open_ptmx("/dev/ptmx");
    used = "/dev/ptmx";
  }
  if (master < 0) die_errno("open", used);
  struct stat st;
  if (fstat(master, &st) != 0) die_errno("fstat", used);
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != kPtmxMajor || minor(st.st_rdev) != kPtmxMinor)
    die_message(std::string(used) + " in the container is not the pty multiplexer; refusing to use it", used);
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) != 0) die_errno("ioctl", "TIOCSPTLCK");
  return master;
}

int open_slave(int master, std::string& name) {
  unsigned int n = 0;
  if (ioctl(master, TIOCGPTN, &n) != 0) die_errno("ioctl", "TIOCGPTN");
  name = "/dev/pts/" + std::to_string(n);
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) die_errno("ioctl", "TIOCGPTPEER");
  struct statfs fs;
  struct stat st;
  if (fstatfs(slave, &fs) != 0) die_errno("fstatfs", name);
  if (fstat(slave, &st) != 0) die_errno("fstat", name);
  if (fs.f_type != DEVPTS_SUPER_MAGIC || !S_ISCHR(st.st_mode) || major(st.st_rdev) < kSlaveMajorFirst ||
      major(st.st_rdev) > kSlaveMajorLast)
    die_message("the pty peer is not a devpts terminal; refusing to use it", name);
  return slave;
}

// /dev/console becomes a bind mount of the slave, made on a handle of the target that
// was opened without following symlinks.
void mount_console(int slave, const std::string& name) {
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) die_errno("open", "/");
  mode_t old = umask(0);
  int target = open_or_create_in_root(root, "/dev/console", true, true);
  umask(old);
  if (mount(fd_path(slave).c_str(), fd_path(target).c_str(), nullptr, MS_BIND, nullptr) != 0)
    die_errno("mount bind", name + " on /dev/console");
  close(target);
  close(root);
}

// Set through the master, termios are the pair's: the slave's writes go out untranslated.
// Done before the process exists, so even its first output is (runc's relay clears it
// only after receiving the master).
void clear_onlcr(int master, const std::string& name) {
  struct termios t;
  if (tcgetattr(master, &t) != 0) die_errno("tcgetattr", name);
  t.c_oflag &= ~tcflag_t(ONLCR);
  if (tcsetattr(master, TCSANOW, &t) != 0) die_errno("tcsetattr", name);
}

void send_master(int channel, int master, const std::string& name) {
  int err = send_with_fd(channel, name, master);
  if (err) die_errno_code(err, "sendmsg", "terminal channel");
}
}  // namespace

void setup_terminal(int sync_fd, const PlanTerminal& t) {
  set_stage("terminal");
  int master = open_master();
  std::string name;
  int slave = open_slave(master, name);
  if (t.rows > 0 && t.cols > 0) {
    struct winsize ws = {};
    ws.ws_row = t.rows;
    ws.ws_col = t.cols;
    if (ioctl(master, TIOCSWINSZ, &ws) != 0) die_errno("ioctl", "TIOCSWINSZ");
  }
  if (t.clear_onlcr) clear_onlcr(master, name);
  if (t.mount_console) mount_console(slave, name);
  send_master(t.channel_fd, master, name);
  close(master);
  close(t.channel_fd);
  if (!send_line(sync_fd, "{\"type\":\"console\",\"name\":" + json_quote(name) + "}")) die_errno("write", "sync channel");

  // A session of its own with the pty as controlling terminal, and the pty as stdio.
  if (setsid() < 0) die_errno("setsid", "");
  if (ioctl(slave, TIOCSCTTY, 0) != 0) die_errno("ioctl", "TIOCSCTTY " + name);
  for (int fd = 0; fd <= 2; fd++)
    if (dup3(slave, fd, 0) < 0) die_errno("dup3", name);
  if (slave > 2) close(slave);
}

// runc's fixStdioPermissions: the process owns its stdio (a pty it can then control, a
// pipe it can reopen through /proc/self/fd), except /dev/null. Errors from an owner or
// group that is not mapped in the user namespace are not ours to fix.
void fix_stdio_ownership(uid_t uid) {
  set_stage("stdio");
  for (int fd = 0; fd <= 2; fd++) {
    struct stat st;
    if (fstat(fd, &st) != 0) continue;
    if (st.st_uid == uid) continue;
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) continue;
    if (fchown(fd, uid, st.st_gid) != 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
      die_errno("fchown", "stdio fd " + std::to_string(fd));
  }
}

}  // namespace ocirt
