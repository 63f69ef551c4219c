// PlanAttributes other than seccomp, in runc's order: scheduler, I/O priority,
// personality, memory policy, then the LSM labels the process gets at exec, and (exec)
// the final CPU affinity. Applied by the container's init and by `exec` while they
// still have their capabilities.
#include "init/init.h"

namespace ocirt {

void apply_process_attributes(const PlanAttributes& a) {
  if (a.scheduler.set) apply_scheduler(a.scheduler);
  if (a.has_io_priority) apply_io_priority(a.io_priority);
  if (a.has_personality) apply_personality(a.personality);
  if (a.memory_policy.set) apply_memory_policy(a.memory_policy);
  if (!a.exec_labels.empty()) apply_exec_labels(a.exec_labels);
  if (!a.cpu_affinity_final.empty()) set_cpu_affinity(a.cpu_affinity_final);
}

}  // namespace ocirt
