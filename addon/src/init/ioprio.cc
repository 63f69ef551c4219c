// process.ioPriority: ioprio_set(IOPRIO_WHO_PROCESS, self, class << 13 | level).
#include <sys/syscall.h>
#include <unistd.h>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

void apply_io_priority(int value) {
  set_stage("ioprio");
  const int ioprio_who_process = 1;
  if (syscall(SYS_ioprio_set, ioprio_who_process, 0, value) != 0)
    die_errno("ioprio_set", "class " + std::to_string(value >> 13) + " level " + std::to_string(value & 7));
}

}  // namespace ocirt
