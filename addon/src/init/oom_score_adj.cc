// process.oomScoreAdj, written before any namespace is joined, on the host's /proc; the
// container's processes inherit it.
#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <string>

#include "core/sys_error.h"
#include "init/init.h"

namespace ocirt {

void write_oom_score_adj(int value) {
  // A non-dumpable process's /proc/self files belong to root: an unprivileged runtime
  // could not open its own. Dumpable for this open only, still in the host's namespaces.
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) die_errno("prctl", "PR_SET_DUMPABLE");
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  int open_errno = errno;
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) die_errno("prctl", "PR_SET_DUMPABLE");
  if (fd < 0) die_errno_code(open_errno, "open", "/proc/self/oom_score_adj");
  std::string text = std::to_string(value);
  if (write(fd, text.data(), text.size()) < 0) die_errno("write", "/proc/self/oom_score_adj");
  close(fd);
}

}  // namespace ocirt
