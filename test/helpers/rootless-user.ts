/**
 * An ordinary user for rootless tests, made by root for one test file and removed at its
 * end: a passwd entry (useradd, without the subordinate ids useradd would add), ranges
 * in /etc/subuid and /etc/subgid written by the test, /run/user/<uid> as its
 * XDG_RUNTIME_DIR. Commands run as the user through `setpriv --reuid --regid
 * --init-groups` with a small, explicit environment.
 */
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Spec } from '../../src/spec/types';
import { makeBusyboxRootfs } from './busybox-rootfs';
import { binaries, host, lacking } from './host-capabilities';
import { defaultConfig } from '../../src/spec/default-config';
import { releaseUserReachableOcirt, userReachableOcirt } from './user-runtime';

export interface IdRange {
  start: number;
  count: number;
}

export interface AsUserResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  input?: string;
  /** cgroup.procs files the command is moved into (by root) before it runs as the user. */
  joinCgroups?: string[];
}

export interface UserBundle {
  dir: string;
  rootfs: string;
  spec: Spec;
  save(): void;
}

const LOCK = '/run/ocirt-test-rootless-users.lock';
const SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Why rootless tests cannot run here, or undefined when they can. */
export function rootlessUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (to make the test user)';
  const other = lacking(binaries('useradd', 'userdel', 'setpriv'), host.userNamespaces);
  if (other) return other;
  if (readOr('/proc/sys/kernel/unprivileged_userns_clone', '1').trim() === '0') return 'unprivileged user namespaces are disabled on this host (kernel.unprivileged_userns_clone = 0)';
  if (readOr('/proc/sys/kernel/apparmor_restrict_unprivileged_userns', '0').trim() === '1') {
    return 'AppArmor restricts unprivileged user namespaces on this host (kernel.apparmor_restrict_unprivileged_userns = 1)';
  }
  // The test user runs node and this checkout's ocirt (or a copy the user can reach).
  const needed: Array<[string, number]> = [[process.execPath, 0o005]];
  for (const [file, bits] of needed) {
    const closed = closedToOthers(file, bits);
    if (closed) return `${closed} is not readable by other users, so a test user cannot run ${file}`;
  }
  return undefined;
}

/** The first path component (or the file) that other users cannot pass or read, if any. */
function closedToOthers(file: string, bits: number): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return file;
  }
  if ((st.mode & bits) !== bits) return file;
  for (let d = path.dirname(file); ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** Whether newuidmap/newgidmap (Debian's uidmap package) are installed. */
/** newuidmap/newgidmap installed (uidmap; a load failure under CI, which installs it). */
export function hasIdMapHelpers(): boolean {
  return host.idMapHelpers() === undefined;
}

export class RootlessUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly runtimeDir: string;
  readonly subuid: IdRange;
  readonly subgid: IdRange;
  private readonly dirs: string[] = [];
  private readonly groups: string[] = [];

  private constructor(name: string, subids: boolean) {
    this.name = name;
    withLock(() => {
      must('useradd', ['--create-home', '--shell', '/bin/sh', '-K', 'SUB_UID_COUNT=0', '-K', 'SUB_GID_COUNT=0', name]);
    });
    const pw = readOr('/etc/passwd', '').split('\n').find((l) => l.startsWith(`${name}:`))!.split(':');
    this.uid = Number(pw[2]);
    this.gid = Number(pw[3]);
    this.home = pw[5];
    // Distinct per user, far above any real id.
    const start = 1_000_000 + (this.uid % 1000) * 70_000;
    this.subuid = { start, count: 65536 };
    this.subgid = { start, count: 65536 };
    if (subids) {
      editSubordinateFile('/etc/subuid', name, this.subuid);
      editSubordinateFile('/etc/subgid', name, this.subgid);
    }
    this.runtimeDir = `/run/user/${this.uid}`;
    fs.mkdirSync(this.runtimeDir, { recursive: true, mode: 0o700 });
    fs.chownSync(this.runtimeDir, this.uid, this.gid);
    fs.chmodSync(this.runtimeDir, 0o700);
  }

  /** A new user `ocirt-rl-<random>`; with subids (default) it gets a 65536-id range in both files. */
  static create(opts: { subids?: boolean } = {}): RootlessUser {
    const name = `ocirt-rl-${Math.random().toString(36).slice(2, 8)}`;
    return new RootlessUser(name, opts.subids ?? true);
  }

  /** The state root ocirt uses for this user by default. */
  get stateRoot(): string {
    return path.join(this.runtimeDir, 'ocirt');
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { HOME: this.home, USER: this.name, LOGNAME: this.name, XDG_RUNTIME_DIR: this.runtimeDir, PATH: SEARCH_PATH, ...extra };
  }

  /** argv that runs cmd as this user. */
  argv(cmd: string, args: string[]): string[] {
    return ['setpriv', `--reuid=${this.uid}`, `--regid=${this.gid}`, '--init-groups', '--', cmd, ...args];
  }

  /**
   * Runs cmd as the user; stdout and stderr go to files (a created container keeps
   * them open, so pipes would not reach their end).
   */
  run(cmd: string, args: string[], opts: RunOptions = {}): AsUserResult {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-rl-out-'));
    const outFile = path.join(scratch, 'out');
    const errFile = path.join(scratch, 'err');
    const outFd = fs.openSync(outFile, 'w');
    const errFd = fs.openSync(errFile, 'w');
    const stdio: StdioOptions = [opts.input === undefined ? 'ignore' : 'pipe', outFd, errFd];
    // Moved into these cgroups (cgroup.procs files) by root before it becomes the user,
    // as a session in a delegated subtree would be.
    const argv = opts.joinCgroups?.length
      ? ['sh', '-c', 'for f in $OCIRT_TEST_JOIN; do echo $$ > "$f" || exit 125; done; exec "$@"', 'sh', ...this.argv(cmd, args)]
      : this.argv(cmd, args);
    const [exe, ...rest] = argv;
    let r;
    try {
      const env = this.env({ ...opts.env, ...(opts.joinCgroups?.length ? { OCIRT_TEST_JOIN: opts.joinCgroups.join(' ') } : {}) });
      r = spawnSync(exe, rest, { stdio, input: opts.input, env, cwd: opts.cwd ?? this.home, timeout: opts.timeoutMs ?? 90_000 });
    } finally {
      fs.closeSync(outFd);
      fs.closeSync(errFd);
    }
    const result = { status: r.status, signal: r.signal, stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8') };
    fs.rmSync(scratch, { recursive: true, force: true });
    return result;
  }

  /** `ocirt ARGS` as the user (default state root: $XDG_RUNTIME_DIR/ocirt). */
  ocirt(args: string[], opts: RunOptions = {}): AsUserResult {
    return this.run(userReachableOcirt(), args, opts);
  }

  /** Starts cmd as the user without waiting. */
  spawn(cmd: string, args: string[]): ReturnType<typeof spawn> {
    const [exe, ...rest] = this.argv(cmd, args);
    return spawn(exe, rest, { stdio: 'ignore', env: this.env(), cwd: this.home });
  }

  /** A directory owned by the user (removed with the user). */
  dir(prefix = 'ocirt-rl-'): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.chownSync(d, this.uid, this.gid);
    fs.chmodSync(d, 0o755);
    this.dirs.push(d);
    return d;
  }

  /**
   * A bundle the user owns: a busybox rootfs (owned by the user, so that the mapped
   * root owns it in the container) and config.json, by default what `ocirt spec
   * --rootless` writes for this user, with terminal off and `args`.
   */
  bundle(args: string[] = ['true'], edit?: (spec: Spec, rootfs: string) => void): UserBundle {
    const dir = this.dir('ocirt-rl-bundle-');
    const rootfs = path.join(dir, 'rootfs');
    fs.mkdirSync(rootfs);
    makeBusyboxRootfs(rootfs);
    fs.chmodSync(rootfs, 0o755);
    const spec = this.rootlessSpec(args);
    const save = () => {
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 2));
      must('chown', ['-R', `${this.uid}:${this.gid}`, dir]);
    };
    edit?.(spec, rootfs);
    save();
    return { dir, rootfs, spec, save };
  }

  /** `ocirt spec --rootless` for this user (what runc writes), terminal off, args set. */
  rootlessSpec(args: string[]): Spec {
    return defaultConfig({ args, terminal: false, rootless: true, ids: { uid: this.uid, gid: this.gid }, cgroupNamespace: unifiedCgroupHost() });
  }

  /** A new group with this user as a member (its login groups include it from now on). */
  supplementaryGroup(): { name: string; gid: number } {
    const name = `${this.name}-g`.slice(0, 32);
    withLock(() => {
      must('groupadd', [name]);
      must('gpasswd', ['--add', this.name, name]);
    });
    this.groups.push(name);
    const line = readOr('/etc/group', '').split('\n').find((l) => l.startsWith(`${name}:`))!;
    return { name, gid: Number(line.split(':')[2]) };
  }

  /** Pids of every process running as this user (what a test left running). */
  processes(): number[] {
    const out: number[] = [];
    for (const e of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      try {
        if (fs.statSync(`/proc/${e}`).uid === this.uid) out.push(Number(e));
      } catch {
        // gone
      }
    }
    return out;
  }

  /**
   * Removes everything: the user's processes (started by the tests), its state,
   * directories, subordinate id lines, runtime dir, home and passwd entry.
   */
  remove(): void {
    for (const pid of this.processes()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    waitUntil(() => this.processes().length === 0);
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
    fs.rmSync(this.runtimeDir, { recursive: true, force: true });
    editSubordinateFile('/etc/subuid', this.name, undefined);
    editSubordinateFile('/etc/subgid', this.name, undefined);
    withLock(() => {
      spawnSync('userdel', ['--remove', this.name], { stdio: 'ignore' });
      for (const g of this.groups) spawnSync('groupdel', [g], { stdio: 'ignore' });
    });
    fs.rmSync(this.home, { recursive: true, force: true });
    releaseUserReachableOcirt();
  }
}

/** Replaces the user's lines in /etc/subuid or /etc/subgid with `range` (none: removes them). */
export function editSubordinateFile(file: string, name: string, range: IdRange | undefined): void {
  withLock(() => {
    const kept = readOr(file, '')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith(`${name}:`));
    if (range) kept.push(`${name}:${range.start}:${range.count}`);
    const tmp = `${file}.ocirt-test-${process.pid}`;
    fs.writeFileSync(tmp, kept.map((l) => `${l}\n`).join(''), { mode: 0o644 });
    fs.renameSync(tmp, file);
  });
}

/** Serializes passwd and subordinate-id edits of test files running at the same time. */
function withLock<T>(fn: () => T): T {
  for (let i = 0; ; i++) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i > 2000) throw err;
      // left by a test process that was killed while holding it
      if (Date.now() - (statOrUndefined(LOCK)?.mtimeMs ?? Date.now()) > 60_000) fs.rmSync(LOCK, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmdirSync(LOCK);
  }
}

/** As `ocirt spec`: a cgroup namespace only on a cgroup v2 (unified) host. */
function unifiedCgroupHost(): boolean {
  try {
    return fs.statfsSync('/sys/fs/cgroup').type === 0x63677270;
  } catch {
    return false;
  }
}

function must(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}${r.error?.message ?? ''}`);
}

function waitUntil(check: () => boolean, limitMs = 10_000): void {
  const end = Date.now() + limitMs;
  while (!check() && Date.now() < end) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}
