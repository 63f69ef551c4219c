/**
 * nested-mount-probe: a small static C program for the mount-visibility tests. Run in a
 * container, it makes a user, mount, pid and network namespace of its own (as
 * `unshare -mrpfn` would, without writing id maps: the creator has every capability in
 * its new user namespace until it execs) and, in a child in the new pid namespace,
 * tries three mounts, printing one line for each: "tmpfs mounted", "proc EPERM"...
 * tmpfs is the control (any user namespace may mount one); proc and sysfs are what the
 * kernel refuses while no fully visible mount of them is in the mount namespace
 * ("mount too revealing").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { staticProgram } from './static-c';

const SOURCE = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static void try_mount(const char* type, const char* target) {
  if (mount(type, target, type, 0, NULL) == 0) printf("%s mounted\n", type);
  else printf("%s %s\n", type, strerrorname_np(errno));
}

int main(void) {
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET) != 0) {
    printf("unshare %s\n", strerrorname_np(errno));
    return 1;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    try_mount("tmpfs", "/tmp");
    try_mount("proc", "/proc");
    try_mount("sysfs", "/sys");
    return 0;
  }
  int status;
  return waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
`;

/** Path of the compiled probe (static, so it runs in a busybox rootfs). */
export function nestedMountProbe(): string {
  return staticProgram('nested-mount-probe', SOURCE);
}

/** Copies the probe into a rootfs as /nested-mount-probe. */
export function installNestedMountProbe(rootfs: string): void {
  fs.copyFileSync(nestedMountProbe(), path.join(rootfs, 'nested-mount-probe'));
  fs.chmodSync(path.join(rootfs, 'nested-mount-probe'), 0o755);
}
