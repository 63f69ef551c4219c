// Timing, statistics and process helpers shared by the bench modules.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export function which(cmd) {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(dir, cmd);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function timeMs(fn) {
  const t = nowMs();
  fn();
  return nowMs() - t;
}

export async function timeAsync(fn) {
  const t = nowMs();
  await fn();
  return nowMs() - t;
}

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The list rotated by k: runtimes take turns at going first, iteration by iteration. */
export function rotate(list, k) {
  const n = k % list.length;
  return [...list.slice(n), ...list.slice(0, n)];
}

/**
 * A runtime's CLI under one state root. Output goes to a file, not a pipe: a container
 * inherits create's stdio, and a pipe would keep the caller waiting until it exits.
 */
export class Cli {
  constructor(runtime, root, env) {
    this.runtime = runtime;
    this.root = root;
    this.env = env;
    fs.mkdirSync(root, { recursive: true });
    this.outFile = path.join(root, '.bench-output');
    this.out = fs.openSync(this.outFile, 'a');
  }

  argv(args) {
    return [...this.runtime.argv.slice(1), '--root', this.root, ...args];
  }

  /** Runs to completion; { status, output }. */
  call(args, cwd) {
    const r = spawnSync(this.runtime.argv[0], this.argv(args), { cwd, env: this.env, stdio: ['ignore', this.out, this.out] });
    const output = fs.readFileSync(this.outFile, 'utf8');
    fs.ftruncateSync(this.out, 0);
    return { status: r.status ?? -1, output: output + (r.error ? r.error.message : '') };
  }

  /** call() that throws with the runtime's output when it fails. */
  must(args, cwd) {
    const r = this.call(args, cwd);
    if (r.status !== 0) throw new Error(`${this.runtime.name} ${args.join(' ')} failed (status ${r.status}): ${r.output.trim()}`);
    return r;
  }

  /** Timed must(): ms. */
  timed(args, cwd) {
    return timeMs(() => this.must(args, cwd));
  }

  close() {
    fs.closeSync(this.out);
  }
}

/** Async spawn to completion, output to the given fd; rejects on a non-zero status. */
export function spawnAsync(argv, { cwd, env, fd, what }) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${what ?? argv.join(' ')} failed (${signal ?? `status ${code}`})`));
    });
  });
}

/** Runs task(i) for i in [0, count), at most `parallel` at once. */
export async function pool(count, parallel, task) {
  let next = 0;
  const worker = async (slot) => {
    while (next < count) await task(next++, slot);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, (_, slot) => worker(slot)));
}

/** The pid's state letter from /proc (R, S, Z...), or undefined when it is gone. */
export function procState(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Waits (busy, without calling any runtime) until pid has exited: gone or a zombie. */
export function waitExited(pid, limitMs = 10_000) {
  const end = nowMs() + limitMs;
  for (;;) {
    const s = procState(pid);
    if (s === undefined || s === 'Z' || s === 'X') return;
    if (nowMs() > end) throw new Error(`process ${pid} did not exit within ${limitMs} ms`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
  }
}

export async function waitExitedAsync(pid, limitMs = 10_000) {
  const end = nowMs() + limitMs;
  for (;;) {
    const s = procState(pid);
    if (s === undefined || s === 'Z' || s === 'X') return;
    if (nowMs() > end) throw new Error(`process ${pid} did not exit within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function readPid(file) {
  return Number(fs.readFileSync(file, 'utf8').trim());
}
