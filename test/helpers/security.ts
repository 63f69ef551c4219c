/**
 * Helpers for test/security/: what an attacker targets on the host (binaries, files,
 * fds, processes) and ways to run ocirt from a hostile caller (leaked fds, polluted
 * environment, odd signal state, inherited capabilities).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OCIRT } from './ocirt-cli';

export const REPO = path.resolve(__dirname, '../..');
export const INIT_BINARY = path.join(REPO, 'addon/build/Release/ocirt-init');
export const ADDON_BINARY = path.join(REPO, 'addon/build/Release/ocirt.node');

/** O_PATH (x86_64 and arm64 Linux); Node's fs.constants does not export it. */
export const O_PATH = 0o10000000;

export function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Absolute paths in the launcher (bin/ocirt is `exec '/usr/bin/node' '.../main.js'`). */
function launcherTargets(): string[] {
  let text = '';
  try {
    text = fs.readFileSync(OCIRT, 'utf8');
  } catch {
    return [];
  }
  if (text.startsWith('\x7fELF')) return [];
  return [...text.matchAll(/'(\/[^']+)'|"(\/[^"]+)"/g)].map((m) => m[1] ?? m[2]).filter((p) => fs.existsSync(p));
}

/**
 * Every host executable an escape through /proc/<pid>/exe would target: node (the
 * launcher's and the test runner's), the launcher, its interpreter and the script it
 * runs, ocirt-init, ocirt.node, and the busybox the test rootfs is copied from. (The
 * CLI's other bundles and code caches are data, not executables, and are rewritten by
 * every build.)
 */
export function hostBinaries(): string[] {
  const files = new Set<string>();
  const add = (p: string) => {
    try {
      const real = fs.realpathSync(p);
      if (fs.statSync(real).isFile()) files.add(real);
    } catch {
      // not there on this host
    }
  };
  add(process.execPath);
  add(OCIRT);
  for (const t of launcherTargets()) add(t);
  add(INIT_BINARY);
  add(ADDON_BINARY);
  add('/bin/busybox');
  add('/bin/sh');
  return [...files].sort();
}

/** sha256 of each of hostBinaries(), to compare before and after an attack. */
export function hashHostBinaries(): Record<string, string> {
  return Object.fromEntries(hostBinaries().map((f) => [f, sha256(f)]));
}

/** Numbers of the fds this process has open now. */
export function openFds(): number[] {
  return fs
    .readdirSync('/proc/self/fd')
    .map(Number)
    .filter((n) => Number.isInteger(n))
    .sort((a, b) => a - b);
}

/** Host pids whose command line contains `marker`. */
export function processesWithMarker(marker: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(marker)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

/** Sleeps synchronously (for polling loops; never used as an assertion). */
export function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Polls `check` until it returns a value other than undefined, or the bound passes
 * (then undefined). Asynchronous, so that vitest's worker stays responsive; the bound
 * only keeps a hang from blocking the run, it is not an assertion about speed.
 */
export async function pollFor<T>(check: () => T | undefined, limitMs = 30_000, stepMs = 20): Promise<T | undefined> {
  const until = Date.now() + limitMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > until) return undefined;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Reads a file or returns undefined. */
export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export interface RawRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `argv` with stdout/stderr in files (a created container keeps them open) and
 * the given extra stdio (fds 3...), env and timeout.
 */
export function runToFiles(
  argv: string[],
  dir: string,
  opts: { env?: NodeJS.ProcessEnv; extra?: Array<number | 'ignore' | 'pipe' | 'inherit'>; timeoutMs?: number; cwd?: string } = {},
): RawRun {
  const tag = `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const outFile = path.join(dir, `stdout-${tag}`);
  const errFile = path.join(dir, `stderr-${tag}`);
  const outFd = fs.openSync(outFile, 'w');
  const errFd = fs.openSync(errFile, 'w');
  let r;
  try {
    r = spawnSync(argv[0], argv.slice(1), {
      stdio: ['ignore', outFd, errFd, ...(opts.extra ?? [])],
      env: opts.env ?? process.env,
      timeout: opts.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
      cwd: opts.cwd,
    });
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(errFd);
  }
  return { status: r.status, signal: r.signal, stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8') };
}

/** Same, asynchronous, for many runs at once (stdio to files). */
export function runToFilesAsync(
  argv: string[],
  dir: string,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<RawRun & { timedOut: boolean }> {
  const tag = `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const outFile = path.join(dir, `stdout-${tag}`);
  const errFile = path.join(dir, `stderr-${tag}`);
  const outFd = fs.openSync(outFile, 'w');
  const errFd = fs.openSync(errFile, 'w');
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', outFd, errFd], env: opts.env ?? process.env, cwd: opts.cwd });
  fs.closeSync(outFd);
  fs.closeSync(errFd);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    child.on('exit', (status, signal) => {
      clearTimeout(timer);
      const stdout = fs.readFileSync(outFile, 'utf8');
      const stderr = fs.readFileSync(errFile, 'utf8');
      fs.rmSync(outFile, { force: true });
      fs.rmSync(errFile, { force: true });
      resolve({ status, signal, stdout, stderr, timedOut });
    });
  });
}

/** Runs async jobs with at most `limit` at a time, keeping their order in the result. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The argv that runs `argv` with these signals blocked and ignored (python3 execs it). */
export function withSignalState(argv: string[], opts: { block: number[]; ignore: number[] }): string[] {
  const script = [
    'import os, signal, sys',
    `for s in ${JSON.stringify(opts.ignore)}: signal.signal(s, signal.SIG_IGN)`,
    `signal.pthread_sigmask(signal.SIG_BLOCK, ${JSON.stringify(opts.block)})`,
    'os.execv(sys.argv[1], sys.argv[1:])',
  ].join('\n');
  return ['python3', '-c', script, ...argv];
}

/** Mount points (field 5 of mountinfo, decoded) of this process's namespace. */
export function mountPoints(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** Recursive listing (relative paths, sorted) with file types, for before/after comparisons of a host dir. */
export function snapshotTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(d, e.name);
      const st = fs.lstatSync(full);
      const kind = e.isDirectory() ? 'd' : e.isSymbolicLink() ? `l:${fs.readlinkSync(full)}` : e.isFile() ? `f:${st.size}` : `x:${st.mode.toString(8)}:${st.rdev}`;
      out.push(`${r} ${kind}`);
      if (e.isDirectory()) walk(full, r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/**
 * Copies the shared libraries and loader `binary` needs (per ldd) into `rootfs` at the
 * same paths, so that the binary can run inside a container made from a static busybox
 * (as it could in any distribution image).
 */
export function copyDynamicDeps(binary: string, rootfs: string): void {
  const r = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (r.status !== 0) return; // static
  for (const m of r.stdout.matchAll(/(\/[^\s)]+)/g)) {
    const lib = m[1];
    if (!fs.existsSync(lib)) continue;
    const dest = path.join(rootfs, lib);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (!fs.existsSync(dest)) fs.copyFileSync(fs.realpathSync(lib), dest);
  }
}
