/**
 * Small static C programs for the seccomp and process-feature tests, compiled once per
 * test run with the host's gcc (build-essential, which node-gyp needs anyway):
 *
 * - sysprobe [i386] NR [ARG...]: makes one system call with exactly these arguments
 *   (numbers in C syntax; "i386" makes it through int 0x80, the 32-bit x86 ABI) and
 *   prints "ret N" or "errno N". A filter's verdict on any syscall and argument, seen
 *   from inside a container. `sysprobe get_mempolicy` prints "mode M mask 0xN";
 *   `sysprobe sched_getattr` the process's sched_attr.
 * - seccomp-agent SOCKET STATE LOG ERRNO: a seccomp notify agent. Accepts one
 *   connection on SOCKET, writes the payload (the container process state) to STATE,
 *   takes the listener fd from SCM_RIGHTS, and answers every notification with -ERRNO,
 *   appending "nr=<syscall> pid=<pid>" to LOG; exits when the filter has no users left.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { staticProgram } from './static-c';

const SYSPROBE = String.raw`
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long i386_syscall(long nr, long a, long b, long c, long d, long e) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e) : "memory");
  return ret;
}

int main(int argc, char** argv) {
  int i = 1, i386 = 0;
  if (argc > 1 && strcmp(argv[1], "get_mempolicy") == 0) {
    int mode = -1;
    unsigned long mask[16] = {0};
    if (syscall(SYS_get_mempolicy, &mode, mask, sizeof mask * 8, NULL, 0) != 0) { printf("errno %d\n", errno); return 0; }
    printf("mode %d mask 0x%lx\n", mode, mask[0]);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "sched_getattr") == 0) {
    struct { unsigned size, policy; unsigned long long flags; int nice; unsigned prio; unsigned long long runtime, deadline, period; unsigned umin, umax; } a;
    memset(&a, 0, sizeof a);
    if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) != 0) { printf("errno %d\n", errno); return 0; }
    printf("policy=%u flags=%llu nice=%d priority=%u runtime=%llu deadline=%llu period=%llu\n", a.policy, a.flags, a.nice, a.prio, a.runtime, a.deadline, a.period);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "i386") == 0) { i386 = 1; i++; }
  if (i >= argc) return 2;
  long nr = (long)strtoull(argv[i++], NULL, 0);
  unsigned long a[6] = {0};
  for (int k = 0; k < 6 && i < argc; k++, i++) a[k] = strtoull(argv[i], NULL, 0);
  long r;
  if (i386) {
    r = i386_syscall(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4]);
    if (r < 0 && r > -4096) printf("errno %ld\n", -r); else printf("ret %ld\n", r);
    return 0;
  }
  errno = 0;
  r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  if (r == -1 && errno != 0) printf("errno %d\n", errno); else printf("ret %ld\n", r);
  return 0;
}
`;

const AGENT = String.raw`
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 5) return 2;
  int answer = atoi(argv[4]);
  struct sockaddr_un addr = {0};
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  char tmp[sizeof addr.sun_path + 8];
  snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
  struct sockaddr_un tmpaddr = addr;
  strncpy(tmpaddr.sun_path, tmp, sizeof tmpaddr.sun_path - 1);
  unlink(tmp);
  if (bind(s, (struct sockaddr*)&tmpaddr, sizeof tmpaddr) != 0 || listen(s, 1) != 0) { perror("bind"); return 1; }
  /* Appears under its name only once it listens. */
  if (rename(tmp, argv[1]) != 0) { perror("rename"); return 1; }
  int c = accept(s, NULL, NULL);
  if (c < 0) { perror("accept"); return 1; }
  static char payload[1 << 16];
  size_t got = 0;
  int fd = -1;
  for (;;) {
    char control[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = {payload + got, sizeof payload - got - 1};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(c, &msg, 0);
    if (n <= 0) break;
    for (struct cmsghdr* h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h))
      if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(h), sizeof fd);
    got += (size_t)n;
  }
  FILE* st = fopen(argv[2], "w");
  fwrite(payload, 1, got, st);
  fprintf(st, "\n");
  fclose(st);
  if (fd < 0) { fprintf(stderr, "no fd\n"); return 1; }
  struct seccomp_notif_sizes sizes;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) { perror("sizes"); return 1; }
  struct seccomp_notif* req = calloc(1, sizes.seccomp_notif);
  struct seccomp_notif_resp* resp = calloc(1, sizes.seccomp_notif_resp);
  FILE* log = fopen(argv[3], "a");
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    int pr = poll(&p, 1, 60000);
    if (pr <= 0 || (p.revents & (POLLHUP | POLLERR))) break;
    memset(req, 0, sizes.seccomp_notif);
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
      if (errno == EINTR || errno == ENOENT) continue;
      break;
    }
    fprintf(log, "nr=%d pid=%u\n", req->data.nr, req->pid);
    fflush(log);
    memset(resp, 0, sizes.seccomp_notif_resp);
    resp->id = req->id;
    resp->error = -answer;
    ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
  }
  return 0;
}
`;

/** Paths of the compiled programs (static, so they run in a busybox rootfs). */
export function seccompTools(): { sysprobe: string; agent: string } {
  return { sysprobe: staticProgram('sysprobe', SYSPROBE), agent: staticProgram('seccomp-agent', AGENT) };
}

/** Copies sysprobe into a bundle's rootfs as /sysprobe. */
export function installSysprobe(rootfs: string): void {
  fs.copyFileSync(seccompTools().sysprobe, path.join(rootfs, 'sysprobe'));
  fs.chmodSync(path.join(rootfs, 'sysprobe'), 0o755);
}

/** x86_64 syscall numbers the tests use. */
export const NR = {
  getppid: 110,
  mkdir: 83,
  mkdirat: 258,
  acct: 163,
  kexec_load: 246,
  socket: 41,
  personality: 135,
  bpf: 321,
  ioprio_get: 252,
  unknown: 1000,
  /** getppid in the 32-bit x86 ABI (int 0x80). */
  i386_getppid: 64,
  /** getppid with the x32 bit. */
  x32_getppid: 0x40000000 + 110,
} as const;
