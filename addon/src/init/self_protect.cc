// CVE-2019-5736: a container process could reach this binary through /proc/<pid>/exe
// (for example by making its entrypoint "#!/proc/self/exe") and overwrite it on the host.
// The init therefore runs from a sealed, anonymous copy of itself.
#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/sys_error.h"
#include "init/init.h"

extern char** environ;

namespace ocirt {

namespace {
const char kMemfdName[] = "ocirt-init";

bool running_from_sealed_copy() {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  int seals = fcntl(fd, F_GET_SEALS);
  close(fd);
  const int wanted = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  return seals >= 0 && (seals & wanted) == wanted;
}
}  // namespace

void ensure_sealed_copy(int argc, char** argv) {
  if (running_from_sealed_copy()) return;
  int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0) die_errno("open", "/proc/self/exe");
  struct stat st;
  if (fstat(exe, &st) != 0) die_errno("fstat", "/proc/self/exe");
  int mem = int(syscall(SYS_memfd_create, kMemfdName, MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (mem < 0) die_errno("memfd_create", kMemfdName);
  off_t copied = 0;
  while (copied < st.st_size) {
    ssize_t n = sendfile(mem, exe, nullptr, size_t(st.st_size - copied));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die_errno("sendfile", "/proc/self/exe");
    copied += n;
  }
  close(exe);
  if (fcntl(mem, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0)
    die_errno("fcntl", "F_ADD_SEALS");
  syscall(SYS_execveat, mem, "", argv, environ, AT_EMPTY_PATH);
  die_errno("execveat", "sealed copy of ocirt-init");
}

}  // namespace ocirt
