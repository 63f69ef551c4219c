// process.execCPUAffinity (for `exec`): sched_setaffinity(2) with a mask of 64-bit words.
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

void set_cpu_affinity(const std::vector<unsigned long>& mask) {
  set_stage("cpu affinity");
  if (syscall(SYS_sched_setaffinity, 0, mask.size() * sizeof(unsigned long), mask.data()) != 0)
    die_errno("sched_setaffinity", "");
}

}  // namespace ocirt
