// Bind sources the container's root may be unable to reach (PlanMount.preopen_source):
// a 0700 directory on the way is closed to a mapped root. A helper forked before the
// bootstrap joins or creates the user namespace keeps the runtime's credentials; once the
// container's mount namespace exists it enters it and opens each source there with
// O_PATH. The init then binds from /proc/self/fd/N: the mount it names belongs to the
// container's own mount namespace, as mount(2) requires, and carries the flags the kernel
// locked when that namespace was made, as a bind by path would (runc's mount fds).
// For an idmapped bind (PlanMount.idmap) the helper sends an idmapped clone of the source
// instead (idmap_mounts.cc), made there for the same reasons.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fd_send.h"
#include "core/sys_error.h"
#include "core/unix_socket.h"
#include "init/init.h"

namespace ocirt {

namespace {
// One message per preopened source, in plan order: what failed (-1: entering the mount
// namespace, else the mount's index) and its errno; 0 with the fd attached on success.
// step: 0 for open and setns, else the IdmapStep that failed (the index is then the
// user namespace's for the IDMAP_USERNS_* steps).
struct OpenResult {
  int32_t err;
  int32_t index;
  int32_t step;
  int32_t unused;
  int64_t fs_type;
};

bool from_opener(const PlanMount& m) { return m.preopen_source || m.idmap.set; }

bool needs_opener(const Plan& plan) {
  for (const auto& m : plan.mounts)
    if (from_opener(m)) return true;
  return false;
}

void send_result(int sock, OpenResult r, int fd) {
  std::string payload(reinterpret_cast<const char*>(&r), sizeof r);
  if (fd >= 0) {
    send_with_fd(sock, payload, fd);
  } else {
    ssize_t ignored = send(sock, payload.data(), payload.size(), MSG_NOSIGNAL);
    (void)ignored;
  }
}

[[noreturn]] void run_opener(int sock, pid_t bootstrap, const Plan& plan) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != bootstrap) _exit(1);
  char go;
  if (read(sock, &go, 1) != 1) _exit(1);
  std::vector<int> userns_fds;
  IdmapFailure failure;
  size_t failed = 0;
  if (!open_idmap_user_namespaces(plan, userns_fds, failure, failed)) {
    send_result(sock, {failure.err, int32_t(failed), failure.step, 0, 0}, -1);
    _exit(1);
  }
  std::string ns_path = "/proc/" + std::to_string(bootstrap) + "/ns/mnt";
  int ns = open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0 || setns(ns, CLONE_NEWNS) != 0) {
    send_result(sock, {errno, -1, 0, 0, 0}, -1);
    _exit(1);
  }
  close(ns);
  for (size_t i = 0; i < plan.mounts.size(); i++) {
    const PlanMount& m = plan.mounts[i];
    if (!from_opener(m)) continue;
    if (m.idmap.set) {
      int tree = clone_idmapped(m, userns_fds[m.idmap.user_namespace], failure);
      if (tree < 0) {
        send_result(sock, {failure.err, int32_t(i), failure.step, 0, failure.fs_type}, -1);
        _exit(1);
      }
      send_result(sock, {0, int32_t(i), 0, 0, 0}, tree);
      close(tree);
      continue;
    }
    int fd = open(m.source.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) {
      send_result(sock, {errno, int32_t(i), 0, 0, 0}, -1);
      _exit(1);
    }
    send_result(sock, {0, int32_t(i), 0, 0, 0}, fd);
    close(fd);
  }
  _exit(0);
}

// One OpenResult and the fd that comes with it (-1 if none).
OpenResult receive_result(int sock, int& fd) {
  OpenResult r{};
  std::vector<int> fds;
  size_t n;
  int flags;
  int err = receive_message(sock, &r, sizeof r, 1, fds, n, flags);
  if (err) die_errno_code(err, "recvmsg", "bind source opener");
  fd = fds.empty() ? -1 : fds[0];
  for (size_t i = 1; i < fds.size(); i++) close(fds[i]);
  if (n != sizeof r) die_message("bind source opener exited without an answer");
  return r;
}
}  // namespace

BindSourceOpener start_bind_source_opener(const Plan& plan) {
  if (!needs_opener(plan)) return {};
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) die_errno("socketpair", "bind source opener");
  pid_t self = getpid();
  pid_t pid = fork();
  if (pid < 0) die_errno("fork", "bind source opener");
  if (pid == 0) {
    close(pair[0]);
    run_opener(pair[1], self, plan);
  }
  close(pair[1]);
  return {pid, pair[0]};
}

std::vector<int> receive_bind_sources(BindSourceOpener& opener, const Plan& plan) {
  std::vector<int> fds(plan.mounts.size(), -1);
  if (opener.pid <= 0) return fds;
  const char* stage = current_stage();
  set_stage("mounts");
  if (send(opener.sock, "g", 1, MSG_NOSIGNAL) != 1) die_errno("send", "bind source opener");
  for (size_t i = 0; i < plan.mounts.size(); i++) {
    if (!from_opener(plan.mounts[i])) continue;
    int fd;
    OpenResult r = receive_result(opener.sock, fd);
    if (r.step != 0) {
      IdmapFailure f{r.err, r.step, r.fs_type};
      die_idmap_failure(f, plan, size_t(r.index));
    }
    if (r.index == -1) die_errno_code(r.err, "setns", "mount namespace (bind source opener)");
    if (r.index != int32_t(i)) die_message("bind source opener answered out of order");
    if (r.err != 0) die_errno_code(r.err, "open", plan.mounts[i].source);
    if (fd < 0) die_message("bind source opener sent no file descriptor", plan.mounts[i].source);
    fds[i] = fd;
  }
  close(opener.sock);
  int status;
  while (waitpid(opener.pid, &status, 0) < 0 && errno == EINTR) {
  }
  opener = {};
  set_stage(stage);
  return fds;
}

}  // namespace ocirt
