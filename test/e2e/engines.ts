/**
 * What the engine tests share: finding the engines' binaries, the runtimes under test
 * (ocirt, and runc as the control: a scenario that fails with runc too is the harness's
 * fault, not ocirt's), and running commands with a bound.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { binaries, host, lacking, which } from '../helpers/host-capabilities';

export const isRoot = process.getuid?.() === 0;
export { which };

/**
 * Why a test group cannot run: not root, or the missing binaries (a load failure under
 * CI, which installs them). undefined when it can.
 */
export function missing(names: string[]): string | undefined {
  return lacking(host.root, binaries(...names));
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
