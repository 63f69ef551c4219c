// `exec`: a new process in an existing container. This process (spawned by the runtime,
// already moved into the container's cgroup) joins the init's namespaces and forks; the
// child, now in the container's pid and time namespaces too, sets up the terminal and
// credentials exactly like the container init and execs. The parent reports the child's
// host pid and exits, so that the child is reparented to the caller's subreaper.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/sync_channel.h"
#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {

void join_container(const ExecPlan& plan) {
  set_stage("exec namespaces");
  join_namespaces(plan.join_namespaces);
  if (plan.has_chroot) {
    if (chroot(plan.chroot.c_str()) != 0) die_errno("chroot", plan.chroot);
    if (chdir("/") != 0) die_errno("chdir", "/");
  }
}

std::vector<std::string> process_env(const ExecPlan& plan) {
  std::vector<std::string> env = plan.process.env;
  if (plan.listen_fds > 0) {
    env.push_back("LISTEN_FDS=" + std::to_string(plan.listen_fds));
    env.push_back("LISTEN_PID=" + std::to_string(getpid()));
  }
  return env;
}

[[noreturn]] void run_exec_process(int sync_fd, const ExecPlan& plan) {
  if (plan.terminal.enabled) setup_terminal(sync_fd, plan.terminal);
  set_stage("process");
  if (chdir(plan.process.cwd.c_str()) != 0) die_errno("chdir", plan.process.cwd);
  std::string exe = find_executable(plan.process);
  apply_rlimits(sync_fd, plan.process);
  fix_stdio_ownership(plan.process.uid);
  // As in container_init.cc: the attributes, then the container's seccomp filter
  // before the capabilities are dropped without noNewPrivileges, after them with it.
  apply_process_attributes(plan.attributes);
  const PlanSeccomp& seccomp = plan.attributes.seccomp;
  if (seccomp.set && seccomp.before_credentials) apply_seccomp(sync_fd, seccomp);
  apply_credentials(plan.process);
  if (seccomp.set && !seccomp.before_credentials) apply_seccomp(sync_fd, seccomp);
  PlanProcess p = plan.process;
  p.env = process_env(plan);
  if (p.umask >= 0) umask(mode_t(p.umask));
  if (!send_line(sync_fd, "{\"type\":\"exec\"}")) die_errno("write", "sync channel");
  reset_signals();
  // The sync fd is close-on-exec: the runtime sees it close when execve succeeded.
  exec_process(p, exe);
}
}  // namespace

void run_exec(int sync_fd, const ExecPlan& plan) {
  set_stage("exec");
  if (plan.process.has_oom_score_adj) write_oom_score_adj(plan.process.oom_score_adj);
  join_container(plan);
  pid_t child = fork();
  if (child < 0) die_errno("fork", "");
  if (child == 0) run_exec_process(sync_fd, plan);
  // fork's result is a pid in the runtime's pid namespace (setns moves children only).
  if (!send_line(sync_fd, "{\"type\":\"pid\",\"pid\":" + std::to_string(child) + "}")) die_errno("write", "sync channel");
  _exit(0);
}

}  // namespace ocirt
