// Loads the seccomp filter the runtime compiled (InitPlan.seccomp: BPF bytes, base64).
// No libseccomp here: the program is handed to seccomp(2) as it is.
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/sync_channel.h"
#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {
int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::vector<uint8_t> base64_decode(const std::string& text) {
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    int v = base64_value(c);
    if (v < 0) die_message("plan: seccomp.filter is not base64");
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(uint8_t(acc >> bits));
    }
  }
  return out;
}
}  // namespace

int load_seccomp(const PlanSeccomp& s) {
  set_stage("seccomp");
  std::vector<uint8_t> bytes = base64_decode(s.filter_base64);
  if (bytes.empty() || bytes.size() % sizeof(struct sock_filter) != 0)
    die_message("plan: seccomp.filter is not a list of BPF instructions");
  std::vector<struct sock_filter> program(bytes.size() / sizeof(struct sock_filter));
  memcpy(program.data(), bytes.data(), bytes.size());
  struct sock_fprog prog = {(unsigned short)program.size(), program.data()};
  long rc = s.flags == 0 ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)
                         : syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s.flags, &prog);
  if (rc < 0) die_errno("seccomp", "SECCOMP_SET_MODE_FILTER flags=" + std::to_string(s.flags));
  // With NEW_LISTENER the kernel returns the (close-on-exec) listener fd.
  return (s.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? int(rc) : -1;
}

void hand_over_seccomp_listener(int sync_fd, int listener_fd) {
  // The filter is in force: write() is never SCMP_ACT_NOTIFY (the config check refuses
  // it); read() and close() may be, and the agent has the fd by the time they run.
  request_and_wait(sync_fd, "{\"type\":\"seccomp\",\"fd\":" + std::to_string(listener_fd) + "}");
  close(listener_fd);
}

void apply_seccomp(int sync_fd, const PlanSeccomp& s) {
  int listener = load_seccomp(s);
  if (listener >= 0) hand_over_seccomp_listener(sync_fd, listener);
}

}  // namespace ocirt
