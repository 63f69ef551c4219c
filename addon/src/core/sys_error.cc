#include "core/sys_error.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "core/sync_channel.h"

namespace ocirt {

namespace {
const char* g_stage = "bootstrap";
int g_report_fd = -1;

[[noreturn]] void report(int err, const char* syscall, const std::string& path, const std::string& message) {
  std::string line = "{\"type\":\"error\",\"errno\":" + std::to_string(err) + ",\"syscall\":" +
                     json_quote(syscall ? syscall : "") + ",\"path\":" + json_quote(path) +
                     ",\"stage\":" + json_quote(g_stage) + ",\"message\":" + json_quote(message) + "}";
  bool sent = g_report_fd >= 0 && send_line(g_report_fd, line);
  // EPIPE: the runtime closed the channel, so it has failed already and reports that itself.
  bool runtime_gone = !sent && g_report_fd >= 0 && errno == EPIPE;
  if (!sent && !runtime_gone && !(err == EPIPE && path == "sync channel")) {
    std::string text = "ocirt-init: " + std::string(g_stage) + ": ";
    if (!message.empty()) text += message;
    if (syscall && *syscall) text += std::string(syscall) + " " + path + ": " + strerror(err);
    text += "\n";
    ssize_t ignored = write(2, text.data(), text.size());
    (void)ignored;
  }
  _exit(err == ENOENT || err == EACCES ? 127 : 1);
}
}  // namespace

void set_stage(const char* stage) { g_stage = stage; }
const char* current_stage() { return g_stage; }
void set_report_fd(int fd) { g_report_fd = fd; }

void die_errno(const char* syscall, const std::string& path) { report(errno, syscall, path, ""); }
void die_errno_code(int err, const char* syscall, const std::string& path) { report(err, syscall, path, ""); }
void die_message(const std::string& message, const std::string& path) { report(0, "", path, message); }

}  // namespace ocirt
