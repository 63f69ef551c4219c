/*
 * Runs crun in a private mount namespace without the hybrid host's cgroup2 mount:
 * Debian's crun 1.8 refuses hybrid cgroups ("cgroups in hybrid mode not supported") and
 * runs on the v1 controllers once /sys/fs/cgroup/unified is gone. The host's mounts are
 * untouched. Compiled by bench/runtimes.mjs into a temporary directory at bench time.
 *
 *   crun-private-mounts CRUN [ARGS...]
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s CRUN [ARGS...]\n", argv[0]);
    return 125;
  }
  if (unshare(CLONE_NEWNS) != 0) {
    perror("unshare(CLONE_NEWNS)");
    return 125;
  }
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
    perror("mount / MS_REC|MS_PRIVATE");
    return 125;
  }
  /* Absent on a pure v1 or pure v2 host: nothing to hide then. */
  umount2("/sys/fs/cgroup/unified", MNT_DETACH);
  execv(argv[1], argv + 1);
  perror(argv[1]);
  return 127;
}
