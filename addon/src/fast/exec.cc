// `exec` without Node, for the calls parse_exec_call and substitute_plan accept: the
// exec helper (ocirt-init ... exec) is spawned as src/lifecycle/exec.ts spawns it, joins
// the container's cgroup, gets the substituted plan, and the conversation of
// src/lifecycle/sync-protocol.ts follows. Until the helper is in the container's cgroup
// anything unusual hands the call to Node untouched; after that a failure is handed to
// Node as the error to report (OCIRT_FAST_EXEC_ERROR), so every message is Node's.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fd_send.h"
#include "core/unix_socket.h"
#include "fast/fast.h"

namespace ocirt {
namespace fast {

namespace {

const int kForwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

sigset_t g_old_mask;
bool g_mask_changed = false;

void restore_signals() {
  if (g_mask_changed) sigprocmask(SIG_SETMASK, &g_old_mask, nullptr);
  g_mask_changed = false;
}

[[noreturn]] void give_up() {
  restore_signals();
  hand_over();
}

// From here the process may exist: Node reports what went wrong (initError's input).
[[noreturn]] void hand_over_error(const std::string& report) {
  restore_signals();
  setenv("OCIRT_FAST_EXEC_ERROR", report.c_str(), 1);
  hand_over();
}

std::string error_report(int err, const std::string& syscall, const std::string& path, const std::string& message) {
  return "{\"type\":\"error\",\"errno\":" + std::to_string(err) + ",\"syscall\":" + js_quote(syscall) +
         ",\"path\":" + js_quote(path) + ",\"stage\":\"exec\",\"message\":" + js_quote(message) + "}";
}

bool read_json(const std::string& path, JsonValue& out) {
  std::string text, error;
  return read_file(path, text) && parse_json(text, out, error);
}

// The runtime's bounding set, as /proc/self/status's CapBnd (hex) gives it.
bool own_bounding_set(uint64_t& out) {
  std::string status;
  if (!read_file("/proc/self/status", status)) return false;
  size_t at = status.find("\nCapBnd:\t");
  if (at == std::string::npos) return false;
  out = strtoull(status.c_str() + at + 9, nullptr, 16);
  return true;
}

std::string own_directory() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string exe(buf, size_t(n));
  return exe.substr(0, exe.rfind('/'));
}

bool write_text(const std::string& file, const std::string& text) {
  int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == ssize_t(text.size());
  return close(fd) == 0 && ok;
}

// As src/lifecycle/pid-file.ts: a fresh temp file beside it (O_EXCL), renamed over it.
int write_pid_file(const std::string& file, long pid, std::string& syscall) {
  std::string dir = file.find('/') == std::string::npos ? "." : file.substr(0, file.rfind('/') + 1);
  std::string base = file.substr(file.rfind('/') + 1);
  for (int attempt = 0;; attempt++) {
    std::string tmp = dir + (dir == "." ? "/." : ".") + base + "." + std::to_string(getpid()) + "-" + std::to_string(rand());
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST && attempt < 5) continue;
      syscall = "open";
      return errno;
    }
    std::string text = std::to_string(pid);
    bool ok = write(fd, text.data(), text.size()) == ssize_t(text.size());
    int err = ok ? 0 : errno;
    close(fd);
    if (ok && rename(tmp.c_str(), file.c_str()) != 0) err = errno, syscall = "rename";
    else if (!ok) syscall = "write";
    if (err) unlink(tmp.c_str());
    return err;
  }
}

bool send_frame(int fd, const std::string& body) {
  uint32_t n = uint32_t(body.size());
  std::string frame(4, '\0');
  for (int i = 0; i < 4; i++) frame[i] = char((n >> (8 * i)) & 0xff);
  frame += body;
  size_t off = 0;
  while (off < frame.size()) {
    ssize_t w = send(fd, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    off += size_t(w);
  }
  return true;
}

// One line from the init, or false at end of stream.
bool read_line(int fd, std::string& buffer, std::string& line) {
  for (;;) {
    size_t nl = buffer.find('\n');
    if (nl != std::string::npos) {
      line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      return true;
    }
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer.append(chunk, size_t(n));
  }
}

// The helper's end of the channels at fds 3 (sync) and 4 (terminal), nothing else open
// above them, the caller's stdio inherited and an empty environment, as exec.ts spawns it.
[[noreturn]] void exec_helper(const std::string& init, int sync_fd, int terminal_fd) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &g_old_mask, nullptr);
  int high_sync = fcntl(sync_fd, F_DUPFD_CLOEXEC, 10);
  int high_terminal = terminal_fd >= 0 ? fcntl(terminal_fd, F_DUPFD_CLOEXEC, 10) : -1;
  if (high_sync < 0 || (terminal_fd >= 0 && high_terminal < 0) || dup2(high_sync, 3) != 3) _exit(127);
  if (terminal_fd >= 0 && dup2(high_terminal, 4) != 4) _exit(127);
  syscall(SYS_close_range, terminal_fd >= 0 ? 5 : 4, ~0U, 0);
  const char* argv[] = {init.c_str(), "3", "exec", nullptr};
  const char* envp[] = {nullptr};
  execve(init.c_str(), const_cast<char**>(argv), const_cast<char**>(envp));
  _exit(127);
}

void kill_and_reap(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// Foreground: forwards ocirt's signals to the process and returns its status as exec.ts
// does (128+N when killed by signal N). ocirt is its subreaper.
int wait_forwarding(pid_t pid, const sigset_t& waited) {
  for (;;) {
    int status;
    pid_t got;
    while ((got = waitpid(-1, &status, WNOHANG)) > 0) {
      if (got == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (got < 0 && errno == ECHILD) return 255;
    siginfo_t info;
    int sig = sigwaitinfo(&waited, &info);
    if (sig > 0 && sig != SIGCHLD) kill(pid, sig);
  }
}
}  // namespace

int run_exec(const Invocation& inv) {
  ExecCall call;
  if (!parse_exec_call(inv.args, call)) hand_over();
  const char* listen = getenv("LISTEN_FDS");
  if (listen && listen[0]) hand_over();
  // Node's rules (checkTerminal): a console socket only for a detached terminal; a
  // terminal in the foreground is relayed by Node.
  Container c;
  if (!load_container(inv.root, call.id, c) || live_status(c) != "running") hand_over();
  JsonValue tmpl;
  if (!read_json(c.dir + "/exec-template.json", tmpl) || tmpl["templateVersion"].text != "1" ||
      tmpl["initPid"].text != c.record["pid"].text || tmpl["initStartTime"].str() != c.record["initStartTime"].str())
    hand_over();
  uint64_t bounding;
  if (!own_bounding_set(bounding) || tmpl["capBounding"].u64() != bounding) hand_over();
  JsonValue file;
  // Only a regular file: a pipe (`-p /dev/fd/63`) read here would be empty for Node.
  struct stat st;
  if (call.has_process_file && (stat(call.process_file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || !read_json(call.process_file, file)))
    hand_over();
  JsonValue plan;
  bool terminal = false;
  if (!substitute_plan(call, file, tmpl, plan, terminal)) hand_over();
  if (terminal ? !(call.detach && !call.console_socket.empty()) : !call.console_socket.empty()) hand_over();
  std::string init = own_directory() + "/ocirt-init";
  if (access(init.c_str(), X_OK) != 0) hand_over();

  sigset_t waited;
  sigemptyset(&waited);
  for (int s : kForwarded) sigaddset(&waited, s);
  sigaddset(&waited, SIGCHLD);
  // Signals wait until the process exists (then they are forwarded), as exec.ts holds them.
  if (!call.detach) {
    if (sigprocmask(SIG_BLOCK, &waited, &g_old_mask) != 0) hand_over();
    g_mask_changed = true;
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) give_up();
  } else {
    sigprocmask(SIG_BLOCK, nullptr, &g_old_mask);
  }
  int sync_pair[2], terminal_pair[2] = {-1, -1};
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync_pair) != 0) give_up();
  if (terminal && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, terminal_pair) != 0) give_up();
  pid_t helper = fork();
  if (helper < 0) give_up();
  if (helper == 0) exec_helper(init, sync_pair[1], terminal_pair[1]);
  close(sync_pair[1]);
  if (terminal) close(terminal_pair[1]);
  for (const auto& procs : tmpl["cgroupProcs"].items) {
    if (!write_text(procs.str(), std::to_string(helper))) {
      // Nothing has happened yet that the helper's death does not undo.
      kill_and_reap(helper);
      give_up();
    }
  }
  if (!send_frame(sync_pair[0], "{\"type\":\"exec\",\"plan\":" + json_text(plan) + "}")) {
    kill_and_reap(helper);
    give_up();
  }

  pid_t pid = 0;
  bool execed = false;
  std::string buffer, line, failure;
  // Read to the end even after a failure: the process's pid may come after its error.
  while (read_line(sync_pair[0], buffer, line)) {
    JsonValue m;
    std::string error;
    if (line.empty()) continue;
    if (!parse_json(line, m, error)) {
      if (failure.empty()) failure = error_report(0, "", "", "malformed message from init: " + line.substr(0, 200));
      continue;
    }
    std::string type = m["type"].str();
    if (type == "pid") {
      pid = pid_t(m["pid"].i64());
    } else if (type == "exec") {
      execed = true;
    } else if (type == "error") {
      if (failure.empty()) failure = line;
    } else if (type == "console" && terminal && failure.empty()) {
      std::string name;
      int master = -1;
      const char* syscall_name = "recvmsg";
      int err = wait_readable(terminal_pair[0], 10000) ? receive_with_fd(terminal_pair[0], name, master) : errno;
      if (err == 0 && master < 0) err = EPIPE;
      int sock = -1;
      if (err == 0) err = connect_unix(call.console_socket, sock, syscall_name);
      if (err == 0) {
        syscall_name = "sendmsg";
        err = send_with_fd(sock, name.empty() ? " " : name, master);
      }
      if (sock >= 0) close(sock);
      if (master >= 0) close(master);
      if (err) failure = error_report(err, syscall_name, call.console_socket, "");
    } else if (failure.empty()) {
      failure = error_report(0, "", "", "unexpected message from init: " + line.substr(0, 200));
    }
  }
  close(sync_pair[0]);
  if (terminal) close(terminal_pair[0]);
  int helper_status = 0;
  while (waitpid(helper, &helper_status, 0) < 0 && errno == EINTR) {
  }
  if (failure.empty() && (!execed || pid <= 0)) {
    int code = WIFEXITED(helper_status) ? WEXITSTATUS(helper_status) : 0;
    failure = "{\"type\":\"exited-early\",\"status\":" + std::to_string(code) + "}";
  }
  if (failure.empty() && !call.pid_file.empty()) {
    std::string syscall_name;
    int err = write_pid_file(call.pid_file, pid, syscall_name);
    if (err) failure = error_report(err, syscall_name, call.pid_file, "");
  }
  if (!failure.empty()) {
    if (pid > 0) {
      kill(pid, SIGKILL);
      // Ours to reap once the helper is gone (we are its subreaper), as exec.ts does.
      if (!call.detach) waitpid(pid, nullptr, 0);
    }
    hand_over_error(failure);
  }
  if (call.detach) return 0;
  return wait_forwarding(pid, waited);
}

}  // namespace fast
}  // namespace ocirt
