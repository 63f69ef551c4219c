#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {
bool is_executable_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}
}  // namespace

// Resolved after pivot_root, so the lookup sees the container's filesystem only.
std::string find_executable(const PlanProcess& p) {
  const std::string& name = p.args[0];
  if (name.find('/') != std::string::npos) {
    struct stat st;
    if (stat(name.c_str(), &st) != 0) die_message("exec: \"" + name + "\": stat " + name + ": no such file or directory", name);
    if (S_ISDIR(st.st_mode)) die_message("exec: \"" + name + "\": is a directory", name);
    // At create, as runc: a start-time execve failure would reach engines only as the
    // container's exit status, where they map "permission denied" to 126.
    if (access(name.c_str(), X_OK) != 0) die_message("exec: \"" + name + "\": permission denied", name);
    return name;
  }
  size_t start = 0;
  const std::string& search = p.search_path;
  while (start <= search.size()) {
    size_t end = search.find(':', start);
    if (end == std::string::npos) end = search.size();
    std::string dir = search.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    start = end + 1;
  }
  die_message("exec: \"" + name + "\": executable file not found in $PATH", name);
}

// The raw call: glibc's sigaction refuses its internal signals (32 and 33), and its
// posix_spawn leaves them ignored in the child (the runtime spawns ocirt-init so).
void reset_signals() {
  struct {
    void* handler;
    unsigned long flags;
    void* restorer;
    unsigned long mask;
  } dfl = {};  // SIG_DFL
  for (int sig = 1; sig < NSIG; sig++) syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof dfl.mask);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

void exec_process(const PlanProcess& p, const std::string& path) {
  std::vector<char*> argv, envp;
  for (const auto& a : p.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : p.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  set_stage("exec");
  execve(path.c_str(), argv.data(), envp.data());
  die_errno("exec", path);
}

}  // namespace ocirt
