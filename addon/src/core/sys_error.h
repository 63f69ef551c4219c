// Failure reporting of the init. The init is single-threaded and short-lived: a failed
// step reports {errno, syscall, path, stage} to the runtime over the sync channel (or
// to stderr when the runtime has gone) and exits. There is no recovery to attempt.
#pragma once
#include <string>

namespace ocirt {

// The stage named in error reports: "bootstrap", "mounts", "devices", "pivot", ...
void set_stage(const char* stage);
const char* current_stage();

// Where reports go: the sync fd while the runtime listens, -1 for stderr only.
void set_report_fd(int fd);

[[noreturn]] void die_errno(const char* syscall, const std::string& path);
[[noreturn]] void die_errno_code(int err, const char* syscall, const std::string& path);
[[noreturn]] void die_message(const std::string& message, const std::string& path = "");

}  // namespace ocirt
