// linux.personality: the execution domain and flags, kept across execve.
#include <errno.h>
#include <sys/personality.h>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

void apply_personality(unsigned long persona) {
  set_stage("personality");
  // personality(2) returns the previous persona; -1 with errno on failure.
  errno = 0;
  if (personality(persona) == -1 && errno != 0) die_errno("personality", std::to_string(persona));
}

}  // namespace ocirt
