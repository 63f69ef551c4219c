/**
 * What the engine tests share: finding the engines' binaries, the runtimes under test
 * (ocirt, and runc as the control: a scenario that fails with runc too is the harness's
 * fault, not ocirt's), and running commands with a bound.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const isRoot = process.getuid?.() === 0;

const SEARCH = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of SEARCH) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Why a test group cannot run: the missing binaries, or not root. undefined when it can. */
export function missing(binaries: string[]): string | undefined {
  if (!isRoot) return 'needs root';
  const gone = binaries.filter((b) => !which(b));
  return gone.length > 0 ? `${gone.join(', ')} not installed (apt-get install podman containerd)` : undefined;
}

export interface Runtime {
  name: string;
  path: string;
}

/** ocirt as built in this checkout, and Debian's runc when it is installed. */
export function runtimesUnderTest(): Runtime[] {
  const list: Runtime[] = [{ name: 'ocirt', path: path.resolve(__dirname, '../../bin/ocirt') }];
  const runc = which('runc');
  if (runc) list.push({ name: 'runc', path: runc });
  return list;
}

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, bounded (a hang fails the test, not the run). */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Result {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    env: opts.env ?? process.env,
    input: opts.input,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') + (r.error ? `\n${r.error.message}` : '') };
}

/** Polls until check() is true, at most limitMs (not a timing assertion). */
export async function until(check: () => boolean, limitMs = 30_000): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** Host file of the container's memory limit, from its init pid (cgroup v1 or v2). */
export function memoryLimitOf(pid: number): string | undefined {
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = lines.map((l) => /^\d+:([^:]*):(.*)$/.exec(l)).find((m) => m && m[1].split(',').includes('memory'));
  if (v1) return readTrim(path.join('/sys/fs/cgroup/memory', v1[2], 'memory.limit_in_bytes'));
  const v2 = lines.map((l) => /^0::(.*)$/.exec(l)).find(Boolean);
  return v2 ? readTrim(path.join('/sys/fs/cgroup', v2[1], 'memory.max')) : undefined;
}

function readTrim(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
