// process.scheduler: sched_setattr(2) on the init itself; the user process inherits it.
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

namespace {
// struct sched_attr, SCHED_ATTR_SIZE_VER1 (with the utilization clamps, left at 0).
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};
}  // namespace

void apply_scheduler(const PlanScheduler& s) {
  set_stage("scheduler");
  SchedAttr attr;
  memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.sched_policy = s.policy;
  attr.sched_flags = s.flags;
  attr.sched_nice = s.nice;
  attr.sched_priority = s.priority;
  attr.sched_runtime = s.runtime;
  attr.sched_deadline = s.deadline;
  attr.sched_period = s.period;
  if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0)
    die_errno("sched_setattr", "policy " + std::to_string(s.policy));
}

}  // namespace ocirt
