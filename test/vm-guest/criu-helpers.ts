// Shared by the checkpoint/restore guest tests: containers whose stdio are pipes (CRIU
// restores a pipe onto the restoring ocirt's own fds, as runc's descriptors.json says),
// a counter process writing into a bind-mounted host directory, and waiting on it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../../src/spec/types';
import type { TestScope } from '../helpers/containers';
import { OCIRT } from '../helpers/ocirt-cli';

export interface Piped {
  status: number | null;
  stderr: string;
}

/*
 * Node gives a child socket pairs for 'pipe' stdio, which CRIU sees as external unix
 * sockets (and refuses without --ext-unix-sk); an engine's are pipes (conmon's, the
 * shim's). Python's subprocess makes real pipes: it runs ocirt with three, waits for
 * ocirt (not for the pipes, which a detached container keeps) and reports its status
 * and what it wrote to stderr.
 */
const PIPED = `
import fcntl, json, os, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
code = p.wait()
fd = p.stderr.fileno()
fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
try:
    err = os.read(fd, 65536)
except BlockingIOError:
    err = b''
print(json.dumps({'status': code, 'stderr': err.decode()}))
`;

/** ocirt ARGS with stdin, stdout and stderr pipes (see PIPED). */
export function ocirtPiped(root: string, args: string[]): Piped {
  const r = spawnSync('python3', ['-c', PIPED, OCIRT, '--root', root, ...args], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`python3 wrapper failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Piped;
}

export const COUNTER = 'i=0; while true; do i=$((i+1)); echo $i > /data/count.tmp; mv /data/count.tmp /data/count; sleep 0.2; done';

/** A bundle whose /data is a bind of a host directory (an external mount for CRIU). */
export function dataBundle(scope: TestScope, args: string[], edit?: (s: Spec) => void): { dir: string; data: string; spec: Spec } {
  const data = scope.scratch('ocirt-criu-data-');
  const b = scope.bundle(args, (s) => {
    s.mounts!.push({ destination: '/data', type: 'bind', source: data, options: ['rbind', 'rw'] });
    edit?.(s);
  });
  return { dir: b.dir, data, spec: b.spec };
}

export function count(data: string): number {
  try {
    return Number(fs.readFileSync(path.join(data, 'count'), 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** Waits (polling) until pred holds; false after limitMs. TCG is slow: generous limits. */
export async function until(pred: () => boolean, limitMs = 60_000): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return pred();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the guest needs for CRIU: netfilter netlink (CRIU's kerndat probes nftables). */
export function loadCriuModules(): void {
  for (const m of ['nfnetlink', 'nf_tables']) spawnSync('modprobe', [m]);
}

/**
 * A process holding what CRIU must bring back as it was: a file open at an offset
 * (/data/input, read one byte a round), a connected unix socket pair and a pty pair of
 * its own. Each round it checks all three still work, then writes the round to
 * /data/count; a check that fails writes why to /data/status and exits 1.
 */
export const HOLDER_C = `
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

static void fail(const char *why, long round) {
  FILE *f = fopen("/data/status", "w");
  if (f) { fprintf(f, "FAIL round %ld: %s\\n", round, why); fclose(f); }
  exit(1);
}

int main(void) {
  int file = open("/data/input", O_RDONLY);
  if (file < 0) fail("open /data/input", 0);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) fail("socketpair", 0);
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) fail("posix_openpt", 0);
  int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  if (slave < 0) fail("open pty slave", 0);
  struct termios t;
  tcgetattr(slave, &t);
  cfmakeraw(&t);
  tcsetattr(slave, TCSANOW, &t);
  for (long round = 1;; round++) {
    char c;
    if (read(file, &c, 1) != 1 || c != (char)('0' + (round - 1) % 10)) fail("file offset", round);
    long got = 0;
    if (write(sv[0], &round, sizeof round) != sizeof round || read(sv[1], &got, sizeof got) != sizeof got || got != round) fail("socket pair", round);
    char p = (char)('a' + round % 26), q = 0;
    if (write(master, &p, 1) != 1 || read(slave, &q, 1) != 1 || q != p) fail("pty", round);
    FILE *f = fopen("/data/count.tmp", "w");
    if (!f) fail("write count", round);
    fprintf(f, "%ld\\n", round);
    fclose(f);
    rename("/data/count.tmp", "/data/count");
    usleep(200000);
  }
}
`;
