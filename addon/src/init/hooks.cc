#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <vector>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {
std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// "31 (bad system call)": strsignal's text lower-cased, as Go (and so runc) prints it.
std::string signal_text(int sig) {
  std::string text = strsignal(sig);
  for (char& c : text) c = char(std::tolower(static_cast<unsigned char>(c)));
  return std::to_string(sig) + " (" + text + ")";
}

int64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void run_hook(const char* kind, size_t index, const PlanHook& h, const std::string& state_json) {
  // runc's wording ("error running hook #N"), which scripts and tests grep for, with the kind and path.
  const std::string what = "error running hook #" + std::to_string(index) + " (" + kind + " " + h.path + ")";
  int in[2];
  if (pipe2(in, O_CLOEXEC) != 0) die_errno("pipe2", h.path);
  pid_t pid = fork();
  if (pid < 0) die_errno("fork", h.path);
  if (pid == 0) {
    dup2(in[0], 0);
    // A hook's stdout must not mix with the container's: send it to stderr.
    dup2(2, 1);
    std::vector<std::string> args = h.args.empty() ? std::vector<std::string>{h.path} : h.args;
    auto argv = c_strings(args);
    auto envp = c_strings(h.env);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(h.path.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(in[0]);
  // The hook need not read its stdin, and may never exit: the state is written without
  // blocking, and the timeout counts from the start, writing included.
  int64_t deadline = h.timeout > 0 ? now_ms() + int64_t(h.timeout) * 1000 : -1;
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);
  size_t off = 0;
  while (off < state_json.size()) {
    ssize_t w = write(in[1], state_json.data() + off, state_json.size() - off);
    if (w > 0) {
      off += size_t(w);
      continue;
    }
    if (w < 0 && errno != EAGAIN && errno != EINTR) break;  // EPIPE: it closed its stdin
    siginfo_t exited = {};
    if (waitid(P_PID, pid_t(pid), &exited, WEXITED | WNOHANG | WNOWAIT) == 0 && exited.si_pid == pid) break;
    if (deadline >= 0 && now_ms() >= deadline) break;
    struct pollfd p = {in[1], POLLOUT, 0};
    poll(&p, 1, 10);
  }
  close(in[1]);
  signal(SIGPIPE, SIG_DFL);

  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) die_errno("waitpid", h.path);
    if (deadline >= 0 && now_ms() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      die_message(what + ": timed out after " + std::to_string(h.timeout) + "s", h.path);
    }
    struct timespec pause = {0, 5 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                      : "killed by signal " + signal_text(WTERMSIG(status));
  die_message(what + ": " + how, h.path);
}
}  // namespace

void run_hooks(const char* kind, const std::vector<PlanHook>& hooks, const std::string& state_json) {
  if (hooks.empty()) return;
  const char* previous = current_stage();
  set_stage(kind);
  for (size_t i = 0; i < hooks.size(); i++) run_hook(kind, i, hooks[i], state_json);
  set_stage(previous);
}

}  // namespace ocirt
