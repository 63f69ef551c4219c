// process.apparmorProfile and process.selinuxLabel: the labels the kernel gives the
// process at execve, written to its /proc/self/attr files (the plan names each file).
#include <fcntl.h>
#include <unistd.h>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

void apply_exec_labels(const std::vector<PlanAttrWrite>& labels) {
  set_stage("lsm");
  for (const auto& l : labels) {
    int fd = open(l.path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) die_errno("open", l.path);
    if (write(fd, l.value.data(), l.value.size()) != ssize_t(l.value.size())) die_errno("write", l.path + " (" + l.value + ")");
    close(fd);
  }
}

}  // namespace ocirt
