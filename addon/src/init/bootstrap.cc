#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sync_channel.h"
#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {
// The fifo is made on the host before any namespace changes; the init reopens it through
// /proc/self/fd for writing after set-up, which blocks until `start` opens it to read.
int make_exec_fifo(const std::string& path) {
  // 0622 exactly, whatever umask the runtime has (Node's 022 would leave 0600): the init
  // may be the root of a user namespace, an "other" to the host, and must still open the
  // fifo for writing. As runc, which also clears the umask around its mkfifo.
  mode_t old_umask = umask(0);
  int rc = mkfifo(path.c_str(), 0622);
  umask(old_umask);
  if (rc != 0) die_errno("mkfifo", path);
  int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) die_errno("open", path);
  return fd;
}
}  // namespace

void run_bootstrap(int sync_fd, const Plan& plan) {
  set_stage("namespaces");
  int fifo_fd = make_exec_fifo(plan.exec_fifo);
  BindSourceOpener opener = start_bind_source_opener(plan);
  join_namespaces(plan.join_namespaces);
  take_joined_user_namespace_ids(plan);
  create_namespaces(sync_fd, plan);
  std::vector<int> source_fds = receive_bind_sources(opener, plan);

  pid_t child = fork();
  if (child < 0) die_errno("fork", "");
  if (child == 0) run_init(sync_fd, plan, fifo_fd, source_fds);
  // fork's result is in this process's pid namespace, which is the runtime's: setns and
  // unshare of a pid namespace only move children.
  if (!send_line(sync_fd, "{\"type\":\"pid\",\"pid\":" + std::to_string(child) + "}")) die_errno("write", "sync channel");
  _exit(0);
}

}  // namespace ocirt
