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
