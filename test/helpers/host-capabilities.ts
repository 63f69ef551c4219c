/**
 * What the suite needs from the host beyond root, each probed once per test process.
 *
 * A probe answers `undefined` when the host has the capability and otherwise the reason a
 * user reads in the skipped test's name ("this host cannot make 32-bit x86 system calls").
 * Two kinds:
 * - host facts (CPU, kernel, cgroup layout, security modules): a host without one skips the
 *   tests that need it, and nothing else;
 * - packages .ci/run installs: missing on a developer's machine they skip with the
 *   apt-get line; missing under CI (CI=true) the test file fails to load, because a fresh
 *   machine that lacks them must fail CI rather than skip to green.
 *
 * README.md's "Host capabilities" table lists every probe and the tests it turns off.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'vitest';
import { seccompTools } from './seccomp-tools';

export type Probe = () => string | undefined;

const isRoot = process.getuid?.() === 0;
const underCi = process.env.CI === 'true' || process.env.CI === '1';

function once(probe: Probe): Probe {
  let done = false;
  let answer: string | undefined;
  return () => {
    if (!done) {
      answer = probe();
      done = true;
    }
    return answer;
  };
}

const SEARCH = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable on PATH (or the usual system dirs), or undefined. */
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

/**
 * A prerequisite .ci/run installs with `apt-get install <pkg>`: skipped with that line on a
 * developer's machine, a load failure under CI.
 */
function installed(what: string, pkg: string, present: () => boolean): Probe {
  return once(() => {
    if (present()) return undefined;
    const reason = `${what} is not installed (apt-get install ${pkg})`;
    if (underCi) throw new Error(`${reason}: .ci/run installs it, so this machine's CI set-up is broken`);
    return reason;
  });
}

function readFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Mount point per v1 controller (and '' for the cgroup2 tree), from the test process's mountinfo. */
export function cgroupMounts(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (readFile('/proc/self/mountinfo') ?? '').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const mp = line.slice(0, sep).split(' ')[4];
    const [fstype, , opts = ''] = line.slice(sep + 3).split(' ');
    if (fstype === 'cgroup2' && !out.has('')) out.set('', mp);
    if (fstype === 'cgroup') for (const o of opts.split(',')) if (!out.has(o)) out.set(o, mp);
  }
  return out;
}

/**
 * The lowest capability the kernel knows (cap_last_cap) that this process's bounding set
 * lacks, or undefined when it has them all.
 */
export function capabilityMissingFromBoundingSet(): number | undefined {
  const last = Number.parseInt(readFile('/proc/sys/kernel/cap_last_cap') ?? '', 10);
  const bnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFile('/proc/self/status') ?? '');
  if (!Number.isInteger(last) || !bnd) return undefined;
  const mask = BigInt(`0x${bnd[1]}`);
  for (let cap = 0; cap <= last; cap++) if (((mask >> BigInt(cap)) & 1n) === 0n) return cap;
  return undefined;
}

/** The probes. Each is cheap after its first call. */
export const host = {
  root: once(() => (isRoot ? undefined : 'needs root')),

  /**
   * int $0x80 from a 64-bit process: some CPUs and hypervisors fault on it (a general
   * protection fault, SIGSEGV) although the kernel has IA32 emulation, and a kernel booted
   * with ia32_emulation=0 refuses it the same way. Probed on the host, outside any
   * container and without seccomp, with the same static probe the tests put in the rootfs.
   */
  i386Syscalls: once(() => {
    if (process.arch !== 'x64') return `32-bit x86 system calls exist only on x86_64 hosts (this is ${process.arch})`;
    const noCc = host.staticCc();
    if (noCc) return noCc;
    const r = spawnSync(seccompTools().sysprobe, ['i386', '64'], { encoding: 'utf8', timeout: 10_000 });
    if (r.status === 0 && /^ret \d+\n$/.test(r.stdout)) return undefined;
    const how = r.signal ? `the probe died with ${r.signal}` : `the probe exited ${r.status}: ${(r.stdout + r.stderr).trim()}`;
    return `this host cannot make 32-bit x86 system calls (int $0x80: ${how})`;
  }),

  /** The runtime's bounding set lacks a capability the kernel knows (tests of how ocirt refuses to grant it). */
  incompleteBoundingSet: once(() =>
    capabilityMissingFromBoundingSet() === undefined ? 'this host\'s capability bounding set is complete (the test needs one that lacks a capability, as in a container or CI sandbox)' : undefined,
  ),

  /** cgroup v1 controllers mounted (memory, cpu, pids ... under /sys/fs/cgroup/<controller>). */
  cgroupV1: once(() => (cgroupMounts().has('memory') ? undefined : 'this host has no cgroup v1 memory controller mounted (a cgroup v2 host: the VM guest tests cover v2)')),

  /** A cgroup2 tree mounted on the host (unified, or a hybrid host's /sys/fs/cgroup/unified). */
  cgroupV2Tree: once(() => (cgroupMounts().has('') ? undefined : 'this host has no cgroup2 tree mounted')),

  /** A hybrid host whose v2 tree offers hugetlb while v1 does not (this development machine's layout). */
  hybridHugetlb: once(() => {
    const m = cgroupMounts();
    if (!m.has('memory') || m.has('hugetlb') || !m.has('')) return 'this host is not a hybrid one with hugetlb on its v2 tree only';
    return (readFile(path.join(m.get('')!, 'cgroup.controllers')) ?? '').split(/\s+/).includes('hugetlb')
      ? undefined
      : 'the v2 tree of this hybrid host does not offer hugetlb';
  }),

  /** At least two online CPUs (affinity tests need one to move away from). */
  twoCpus: once(() => (os.cpus().length >= 2 ? undefined : `this host has ${os.cpus().length} CPU, the test needs 2`)),

  /** systemd running as PID 1. */
  systemdBooted: once(() => (fs.existsSync('/run/systemd/system') ? undefined : 'systemd is not PID 1 on this host')),

  /** No systemd as PID 1 (tests of the error ocirt gives without it). */
  noSystemd: once(() => (fs.existsSync('/run/systemd/system') ? 'systemd is PID 1 on this host' : undefined)),

  /** AppArmor / SELinux / Intel RDT absent: the tests check the refusal ocirt gives without them. */
  noAppArmor: once(() => ((readFile('/sys/module/apparmor/parameters/enabled') ?? '').trim() === 'Y' ? 'AppArmor is enabled on this host' : undefined)),
  noSelinux: once(() => (fs.existsSync('/sys/fs/selinux/enforce') ? 'SELinux is enabled on this host' : undefined)),
  noResctrl: once(() => ((readFile('/proc/self/mountinfo') ?? '').includes(' - resctrl ') ? 'resctrl is mounted on this host' : undefined)),

  python3: installed('python3', 'python3', () => spawnSync('python3', ['-c', 'pass']).status === 0),
  setpriv: installed('setpriv', 'util-linux', () => spawnSync('setpriv', ['--version']).status === 0),
  script: installed('script', 'bsdutils', () => fs.existsSync('/usr/bin/script')),
  busybox: installed('/bin/busybox', 'busybox-static', () => fs.existsSync('/bin/busybox')),
  staticCc: installed('a C compiler with a static libc', 'build-essential', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-cc-'));
    try {
      fs.writeFileSync(path.join(dir, 'p.c'), 'int main(void) { return 0; }\n');
      return spawnSync('gcc', ['-static', '-o', path.join(dir, 'p'), path.join(dir, 'p.c')]).status === 0;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }),
  runc: installed('runc', 'runc', () => which('runc') !== undefined),
  idMapHelpers: installed('newuidmap/newgidmap', 'uidmap', () => which('newuidmap') !== undefined && which('newgidmap') !== undefined),
};

/** The first reason among the probes why a test cannot run here, or undefined. */
export function lacking(...probes: Probe[]): string | undefined {
  for (const p of probes) {
    const why = p();
    if (why !== undefined) return why;
  }
  return undefined;
}

type TestFn = Parameters<typeof it>[1];
type SuiteFn = Parameters<typeof describe>[1];

/**
 * `it` for a test that needs these host capabilities: on a host without one it is
 * skipped, its name saying why ("... (skipped: this host cannot make 32-bit x86 system calls)").
 */
export function itNeeds(...probes: Probe[]) {
  const why = lacking(...probes);
  return (name: string, fn: TestFn, timeout?: number) => (why ? it.skip(`${name} (skipped: ${why})`, fn, timeout) : it(name, fn, timeout));
}

/** The same for a whole group. */
export function describeNeeds(...probes: Probe[]) {
  const why = lacking(...probes);
  return (name: string, fn: SuiteFn) => (why ? describe.skip(`${name} (skipped: ${why})`, fn) : describe(name, fn));
}
