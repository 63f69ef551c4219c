// Stage 2: the container's init. Sets up the rootfs and the process, tells the runtime it
// is ready, blocks on the exec fifo until `start`, then becomes the user process.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sync_channel.h"
#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {
void write_file(const std::string& path, const std::string& value) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) die_errno("open", path);
  if (write(fd, value.data(), value.size()) < 0) die_errno("write", path);
  close(fd);
}

void setup_rootfs(int sync_fd, const Plan& plan, const std::string& creating_state, const std::vector<int>& source_fds) {
  prepare_root(plan);
  int root_fd = open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) die_errno("open", plan.rootfs);
  set_stage("mounts");
  for (size_t i = 0; i < plan.mounts.size(); i++) {
    mount_one(root_fd, plan.mounts[i], source_fds[i]);
    if (source_fds[i] >= 0) close(source_fds[i]);
  }
  create_devices(root_fd, plan);
  create_symlinks(root_fd, plan);
  close(root_fd);
  set_stage("hooks");
  request_and_wait(sync_fd, "{\"type\":\"hooks\"}");
  // createContainer hooks run in the container's namespaces before pivot_root, so their
  // paths resolve on the host's filesystem as the spec requires.
  if (chdir(plan.rootfs.c_str()) != 0) die_errno("chdir", plan.rootfs);
  run_hooks("createContainer", plan.create_container_hooks, creating_state);
  enter_root(plan);
  restore_root_propagation(plan);
}

// After the sysctls are written: /proc/sys is usually one of the read-only paths (runc's
// order: readonly root, hostname, sysctl, then readonly and masked paths).
void protect_paths(const Plan& plan) {
  readonly_paths(plan);
  mask_paths(plan);
}

void setup_system(const Plan& plan) {
  set_stage("system");
  if (plan.has_hostname && sethostname(plan.hostname.data(), plan.hostname.size()) != 0)
    die_errno("sethostname", plan.hostname);
  if (plan.has_domainname && setdomainname(plan.domainname.data(), plan.domainname.size()) != 0)
    die_errno("setdomainname", plan.domainname);
  for (const auto& s : plan.sysctl) write_file("/proc/sys/" + s.first, s.second);
}

// After pivot_root and before the root may become read-only: the directories are made
// relative to a handle on "/", never following a symlink out of it.
void create_cwd(const std::string& cwd) {
  set_stage("process");
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) die_errno("open", "/");
  close(open_or_create_in_root(root, cwd, false, false));
  close(root);
}

// As runc's finalizeRootfs: after /dev/console and the cwd exist, a read-only /dev
// (or any read-only tmpfs) becomes read-only, then the root.
void finish_readonly_mounts(const Plan& plan) {
  set_stage("mounts");
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) die_errno("open", "/");
  make_readonly_after_setup(root, plan);
  close(root);
}

void wait_for_start(int fifo_fd) {
  set_stage("start");
  int w = open(fd_path(fifo_fd).c_str(), O_WRONLY | O_CLOEXEC);
  if (w < 0) die_errno("open", "exec fifo");
  if (write(w, "0", 1) != 1) die_errno("write", "exec fifo");
  close(w);
  close(fifo_fd);
}
}  // namespace

void run_init(int sync_fd, const Plan& plan, int fifo_fd, const std::vector<int>& source_fds) {
  set_stage("init");
  umask(0);
  // A session of its own, as runc's init (nsexec stage-2): CRIU refuses to dump a
  // container whose session leader is outside its pid namespace. With a terminal,
  // setup_terminal makes the session (the pty becomes its controlling terminal).
  if (!plan.terminal.enabled && setsid() < 0) die_errno("setsid", "");
  JsonValue states = receive_message(sync_fd, "state");
  std::string creating = states["creating"].str();
  std::string created = states["created"].str();

  setup_rootfs(sync_fd, plan, creating, source_fds);
  // After pivot_root (the container's devpts) and before the root may become read-only.
  if (plan.terminal.enabled) setup_terminal(sync_fd, plan.terminal);
  if (plan.process.create_cwd) create_cwd(plan.process.cwd);
  finish_readonly_mounts(plan);
  if (plan.readonly_root) make_root_readonly();
  setup_system(plan);
  protect_paths(plan);

  set_stage("process");
  if (chdir(plan.process.cwd.c_str()) != 0) die_errno("chdir", plan.process.cwd);
  std::string exe = find_executable(plan.process);
  apply_rlimits(sync_fd, plan.process);
  fix_stdio_ownership(plan.process.uid);
  apply_process_attributes(plan.attributes);
  // Seccomp as late as possible, as runc: without noNewPrivileges loading needs
  // CAP_SYS_ADMIN, so before the capabilities go; otherwise after them. Before "ready"
  // either way: a notify listener goes to the runtime over the sync channel, and the
  // exec fifo wait and startContainer hooks run under the filter.
  const PlanSeccomp& seccomp = plan.attributes.seccomp;
  if (seccomp.set && seccomp.before_credentials) apply_seccomp(sync_fd, seccomp);
  apply_credentials(plan.process);
  if (seccomp.set && !seccomp.before_credentials) apply_seccomp(sync_fd, seccomp);

  if (!send_line(sync_fd, "{\"type\":\"ready\"}")) die_errno("write", "sync channel");
  close(sync_fd);
  set_report_fd(-1);

  wait_for_start(fifo_fd);
  run_hooks("startContainer", plan.start_container_hooks, created);
  if (plan.process.umask >= 0) umask(mode_t(plan.process.umask));
  reset_signals();
  exec_process(plan.process, exe);
}

}  // namespace ocirt
