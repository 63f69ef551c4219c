// linux.memoryPolicy: set_mempolicy(2) on the init; the policy is inherited by its
// children and kept across execve.
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

void apply_memory_policy(const PlanMemoryPolicy& m) {
  set_stage("memory policy");
  const unsigned long* mask = m.node_mask.empty() ? nullptr : m.node_mask.data();
  long rc;
  do rc = syscall(SYS_set_mempolicy, m.mode, mask, m.max_node);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) die_errno("set_mempolicy", "mode " + std::to_string(m.mode));
}

}  // namespace ocirt
