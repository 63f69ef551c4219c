/**
 * Helpers for integration tests that run real containers: capturing the container's
 * output (which is ocirt's stdout when it runs without a terminal), waiting for a
 * status, and checking that nothing was left behind on the host.
 */
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';
import { FEATURES_CACHE } from '../../src/cli/features-cache';
import type { Spec } from '../../src/spec/types';
import { makeBundle, removeSharedRootfs, type TestBundle } from './bundle';
import { type CliResult, forceDeleteAll, makeStateRoot, OCIRT, ocirt, uniqueId } from './ocirt-cli';

export interface StateJson {
  ociVersion: string;
  id: string;
  pid: number;
  status: string;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

/** `ocirt state ID`, parsed; throws with ocirt's stderr when it fails. */
export function stateOf(root: string, id: string): StateJson {
  const r = ocirt(root, ['state', id]);
  if (r.status !== 0) throw new Error(`ocirt state ${id} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as StateJson;
}

/**
 * Polls `ocirt state` until the container has `status` (or is gone when status is
 * null). Bounded so that a hang fails the test instead of the whole run; the bound is
 * not an assertion about speed.
 */
export function waitForStatus(root: string, id: string, status: string | null, limitMs = 30_000): string | null {
  const until = Date.now() + limitMs;
  let last: string | null = null;
  for (;;) {
    const r = ocirt(root, ['state', id]);
    last = r.status === 0 ? (JSON.parse(r.stdout) as StateJson).status : null;
    if (last === status) return last;
    if (Date.now() > until) return last;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

/** A scratch directory removed by the caller (use for output files, hook logs...). */
export function scratchDir(prefix = 'ocirt-scratch-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Runs ocirt with its stdout and stderr going to files instead of pipes. A created or
 * detached container keeps ocirt's stdio open, so pipes would not reach EOF when ocirt
 * exits; files can be read at any time. `out()` and `err()` read the files again (the
 * container may write to them later).
 */
export interface FileRun extends CliResult {
  out(): string;
  err(): string;
  outFile: string;
  errFile: string;
}

export function ocirtToFiles(
  root: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; extraFds?: number[]; dir?: string } = {},
): FileRun {
  const dir = opts.dir ?? scratchDir('ocirt-out-');
  const tag = `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const outFile = path.join(dir, `stdout-${tag}`);
  const errFile = path.join(dir, `stderr-${tag}`);
  const outFd = fs.openSync(outFile, 'w');
  const errFd = fs.openSync(errFile, 'w');
  const stdio: StdioOptions = ['ignore', outFd, errFd, ...(opts.extraFds ?? [])];
  let r;
  try {
    r = spawnSync(OCIRT, ['--root', root, ...args], { stdio, timeout: 60_000, env: opts.env ?? process.env });
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(errFd);
  }
  const out = () => fs.readFileSync(outFile, 'utf8');
  const err = () => fs.readFileSync(errFile, 'utf8');
  return { status: r.status, signal: r.signal, stdout: out(), stderr: err(), out, err, outFile, errFile };
}

/** ocirtToFiles, without blocking: for several ocirt calls at once. */
export function ocirtToFilesAsync(root: string, args: string[], opts: { dir?: string } = {}): Promise<FileRun> {
  const dir = opts.dir ?? scratchDir('ocirt-out-');
  const tag = `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const outFile = path.join(dir, `stdout-${tag}`);
  const errFile = path.join(dir, `stderr-${tag}`);
  const outFd = fs.openSync(outFile, 'w');
  const errFd = fs.openSync(errFile, 'w');
  const child = spawn(OCIRT, ['--root', root, ...args], { stdio: ['ignore', outFd, errFd] });
  fs.closeSync(outFd);
  fs.closeSync(errFd);
  const out = () => fs.readFileSync(outFile, 'utf8');
  const err = () => fs.readFileSync(errFile, 'utf8');
  return new Promise((resolve) =>
    child.on('exit', (status, signal) => resolve({ status, signal, stdout: out(), stderr: err(), out, err, outFile, errFile })),
  );
}

/** Starts ocirt without waiting (e.g. a foreground `run` a test kills from outside). */
export function ocirtBackground(root: string, args: string[]): { done: Promise<CliResult>; pid: number } {
  const child = spawn(OCIRT, ['--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })),
  );
  return { done, pid: child.pid ?? 0 };
}

/** Busybox sh -c SCRIPT. */
export function sh(script: string): string[] {
  return ['sh', '-c', script];
}

/** The caller's own cgroup path per v1 controller list / "" for v2, from /proc/self/cgroup. */
function ownCgroups(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** Host cgroup mounts: mount point and controller key as in /proc/self/cgroup. */
function cgroupMounts(): Array<{ mountPoint: string; key: string }> {
  const out: Array<{ mountPoint: string; key: string }> = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    if (fstype === 'cgroup2') out.push({ mountPoint: left[4], key: '' });
    else if (fstype === 'cgroup') {
      const key = superOptions.split(',').filter((o) => o !== 'rw' && o !== 'ro' && !o.startsWith('release_agent') && o !== 'clone_children' && o !== 'noprefix' && o !== 'xattr' && o !== 'nsdelegate').join(',');
      out.push({ mountPoint: left[4], key });
    }
  }
  return out;
}

/**
 * Where a container with a relative cgroupsPath (default: its id) has its cgroups: under
 * the caller's own cgroup in every hierarchy. Returns the directories that exist.
 */
export function cgroupDirsOf(cgroupsPath: string): string[] {
  const own = ownCgroups();
  const found: string[] = [];
  for (const m of cgroupMounts()) {
    const base = own.get(m.key) ?? '/';
    const dir = cgroupsPath.startsWith('/') ? path.join(m.mountPoint, cgroupsPath) : path.join(m.mountPoint, base, cgroupsPath);
    if (fs.existsSync(dir)) found.push(dir);
  }
  return found;
}

/** Lines of the host's mountinfo that mention `needle` (a bundle dir, a state root...). */
export function hostMountsMentioning(needle: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(needle));
}

/** Host pids whose cgroup (any hierarchy) ends with /<id>. */
export function processesInCgroupOf(id: string): number[] {
  const pids: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let text = '';
    try {
      text = fs.readFileSync(`/proc/${e}/cgroup`, 'utf8');
    } catch {
      continue;
    }
    if (text.split('\n').some((l) => l.endsWith(`/${id}`))) pids.push(Number(e));
  }
  return pids;
}

/**
 * What a test file left behind: entries in its state root, cgroup directories and
 * processes of the ids it used, host mounts mentioning its state root or bundles.
 * Empty = clean.
 */
export function leftovers(root: string, ids: string[], dirs: string[] = []): string[] {
  const problems: string[] = [];
  let entries: string[] = [];
  try {
    // The features cache is the runtime's, not a container's (src/cli/features-cache.ts).
    entries = fs.readdirSync(root).filter((e) => e !== FEATURES_CACHE);
  } catch {
    // no state root at all: nothing left there
  }
  if (entries.length > 0) problems.push(`state root ${root} holds ${entries.join(', ')}`);
  for (const id of ids) {
    for (const d of cgroupDirsOf(id)) problems.push(`cgroup ${d} still exists`);
    for (const pid of processesInCgroupOf(id)) problems.push(`process ${pid} still in a cgroup of ${id}`);
  }
  for (const d of [root, ...dirs]) for (const l of hostMountsMentioning(d)) problems.push(`host mount: ${l}`);
  return problems;
}

/**
 * One per test file: its state root, the ids and bundles it used, and the checks and
 * clean-up of afterAll.
 */
export class TestScope {
  readonly root = makeStateRoot();
  readonly ids: string[] = [];
  readonly dirs: string[] = [];

  /** A fresh container id, remembered for the leftover check. */
  id(prefix = 't'): string {
    const id = uniqueId(prefix);
    this.ids.push(id);
    return id;
  }

  /** makeBundle, remembered (its dir is checked for host mounts and removed at the end). */
  bundle(args: string[] = ['sh', '-c', 'true'], edit?: (spec: Spec) => void): TestBundle {
    const b = makeBundle(args, edit);
    this.dirs.push(b.dir);
    return b;
  }

  /** A scratch directory removed at the end. */
  scratch(prefix = 'ocirt-scratch-'): string {
    const d = scratchDir(prefix);
    this.dirs.push(d);
    return d;
  }

  /** ocirt with this scope's state root. */
  ocirt(args: string[], opts?: Parameters<typeof ocirt>[2]): CliResult {
    return ocirt(this.root, args, opts);
  }

  /** Runs ARGS in a new bundle (edited by `edit`) with `ocirt run`; stdout is the container's. */
  run(args: string[], edit?: (spec: Spec, bundle: TestBundle) => void, extraArgs: string[] = [], id = this.id('run')): CliResult {
    const b = this.bundle(args);
    edit?.(b.spec, b);
    b.save();
    return ocirt(this.root, ['run', '--bundle', b.dir, ...extraArgs, id]);
  }

  /**
   * afterEach: force-deletes whatever a (possibly failed) test left in the state root,
   * so that one failure does not cascade into the next tests.
   */
  reset(): void {
    let ids: string[] = [];
    try {
      ids = fs.readdirSync(this.root);
    } catch {
      return;
    }
    for (const id of ids) if (id !== FEATURES_CACHE) ocirt(this.root, ['delete', '--force', id]);
  }

  /** What is left behind now (see leftovers()). */
  leftovers(): string[] {
    return leftovers(this.root, this.ids, this.dirs);
  }

  /** afterAll: what was left behind, then force clean-up of everything. */
  finish(): string[] {
    const left = this.leftovers();
    forceDeleteAll(this.root);
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
    removeSharedRootfs();
    return left;
  }
}

/** /proc/<pid>/status field value (e.g. "PPid"), or undefined. */
export function procStatusField(pid: number, field: string): string | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(text);
    return m?.[1];
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (zombies included). */
export function pidExists(pid: number): boolean {
  return fs.existsSync(`/proc/${pid}`);
}

/** Lines of text, without the empty last one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
}

/**
 * An error as engines expect it: non-zero exit, one line on stderr starting "ocirt: ",
 * containing `text`, and no internal-error noise.
 */
export function expectCleanError(r: { status: number | null; stderr: string }, text: string | RegExp): void {
  expect(r.status, r.stderr).not.toBe(0);
  if (typeof text === 'string') expect(r.stderr).toContain(text);
  else expect(r.stderr).toMatch(text);
  expect(lines(r.stderr), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^ocirt: /);
  expect(r.stderr).not.toMatch(/internal error|--debug/);
}
