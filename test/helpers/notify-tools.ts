/**
 * sd_notify test programs, compiled once per test run with the host's gcc (static, so
 * that sd-send runs in a busybox rootfs):
 *
 * - sd-listen PATH LOG: the caller's NOTIFY_SOCKET (a systemd stand-in). Binds an
 *   AF_UNIX SOCK_DGRAM socket at PATH and appends one line per datagram to LOG, its
 *   newlines written as \n, followed by " +fd" when it carried a file descriptor
 *   (sd_notify_barrier's pipe), which it then closes, as systemd does. Runs until killed.
 * - sd-send MSG...: inside the container, sends each MSG as one datagram to
 *   $NOTIFY_SOCKET (what systemd-notify or sd_notify(3) do); exits 1 with errno on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { staticProgram } from './static-c';

const LISTEN = String.raw`
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  unlink(argv[1]);
  if (bind(s, (struct sockaddr*)&a, sizeof a) != 0) { perror("bind"); return 1; }
  chmod(argv[1], 0777);
  FILE* log = fopen(argv[2], "a");
  if (!log) { perror("fopen"); return 1; }
  for (;;) {
    char buf[4097];
    union { char b[CMSG_SPACE(sizeof(int) * 4)]; struct cmsghdr h; } ctl;
    struct iovec iov = {buf, sizeof buf - 1};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl.b;
    m.msg_controllen = sizeof ctl.b;
    ssize_t n = recvmsg(s, &m, 0);
    if (n < 0) continue;
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] == '\n') fputs("\\n", log); else fputc(buf[i], log);
    }
    int fds = 0;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      for (size_t k = 0; k < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); k++) {
        int fd;
        memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof fd);
        fds++;
        fputs(" +fd", log);
        fflush(log);
        close(fd);
      }
    }
    fputc('\n', log);
    fflush(log);
  }
}
`;

const SEND = String.raw`
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char** argv) {
  const char* path = getenv("NOTIFY_SOCKET");
  if (!path) { fprintf(stderr, "sd-send: no NOTIFY_SOCKET\n"); return 2; }
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  strncpy(a.sun_path, path, sizeof a.sun_path - 1);
  for (int i = 1; i < argc; i++) {
    if (sendto(s, argv[i], strlen(argv[i]), 0, (struct sockaddr*)&a, sizeof a) < 0) {
      fprintf(stderr, "sd-send: sendto %s: errno %d\n", path, errno);
      return 1;
    }
  }
  return 0;
}
`;

export function notifyTools(): { listen: string; send: string } {
  return { listen: staticProgram('sd-listen', LISTEN), send: staticProgram('sd-send', SEND) };
}

/** Copies sd-send into a bundle's rootfs as /bin/sd-send. */
export function installSdSend(rootfs: string): void {
  const to = path.join(rootfs, 'bin', 'sd-send');
  fs.copyFileSync(notifyTools().send, to);
  fs.chmodSync(to, 0o755);
}

/** A running sd-listen: `lines()` is what it received so far; `stop()` kills it. */
export interface NotifyListener {
  socket: string;
  lines(): string[];
  stop(): void;
}

export function startListener(dir: string): NotifyListener {
  const socket = path.join(dir, 'host-notify.sock');
  const log = path.join(dir, 'host-notify.log');
  fs.writeFileSync(log, '');
  const child: ChildProcess = spawn(notifyTools().listen, [socket, log], { stdio: 'ignore' });
  // Bounded wait for the bind (not an assertion about speed).
  for (let i = 0; i < 5000 && !fs.existsSync(socket); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
  if (!fs.existsSync(socket)) throw new Error('sd-listen did not bind its socket');
  return {
    socket,
    lines: () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean),
    stop: () => {
      child.kill('SIGKILL');
    },
  };
}
