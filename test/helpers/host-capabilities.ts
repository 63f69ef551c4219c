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
import { describe, it, type TestFunction } from 'vitest';
import { native } from '../../src/native/binding';
import { gatherLsmFacts } from '../../src/plan/lsm-host';
import { gatherSeccompFacts } from '../../src/plan/seccomp-host';
import { seccompTools } from './seccomp-tools';
import { staticProgram } from './static-c';

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

/** The kernel's filesystem types (/proc/filesystems). */
function filesystems(): string[] {
  return (readFile('/proc/filesystems') ?? '').split('\n').map((l) => l.trim().split(/\s+/).pop() ?? '');
}

/** The hard limit of this process ("unlimited" as Infinity), from /proc/self/limits. */
function hardLimit(name: string): number | undefined {
  const line = (readFile('/proc/self/limits') ?? '').split('\n').find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  if (hard === undefined) return undefined;
  return hard === 'unlimited' ? Infinity : Number(hard);
}

/** CPUs and NUMA nodes this process may use (/proc/self/status *_allowed_list). */
export function allowedList(field: 'Cpus_allowed_list' | 'Mems_allowed_list'): number[] {
  const m = new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(readFile('/proc/self/status') ?? '');
  const out: number[] = [];
  for (const part of (m?.[1] ?? '').split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a)) continue;
    for (let i = a; i <= (Number.isInteger(b) ? b : a); i++) out.push(i);
  }
  return out;
}

const staticCc = installed('a C compiler with a static libc', 'build-essential', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-cc-'));
  try {
    fs.writeFileSync(path.join(dir, 'p.c'), 'int main(void) { return 0; }\n');
    return spawnSync('gcc', ['-static', '-o', path.join(dir, 'p'), path.join(dir, 'p.c')]).status === 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
const iproute2 = installed('ip', 'iproute2', () => which('ip') !== undefined);

/** Whether this process's bounding set holds capability number `cap`. */
export function hasBoundingCapability(cap: number): boolean {
  const bnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFile('/proc/self/status') ?? '');
  return bnd !== null && ((BigInt(`0x${bnd[1]}`) >> BigInt(cap)) & 1n) === 1n;
}

/** Whether this kernel idmaps a mount of the filesystem type holding `dir` (open_tree + mount_setattr). */
const IDMAP_PROBE = `#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int go[2];
  if (argc < 2 || pipe(go) != 0) return 2;
  pid_t c = fork();
  if (c == 0) { char b; if (unshare(CLONE_NEWUSER) != 0) _exit(1); close(go[1]); read(go[0], &b, 1); _exit(0); }
  usleep(50000);
  char p[64];
  for (const char *m = "uid_map", *n = "gid_map"; m; m = n, n = 0) {
    snprintf(p, sizeof p, "/proc/%d/%s", c, m);
    int fd = open(p, O_WRONLY);
    if (fd < 0 || write(fd, "0 1000 1\\n", 9) != 9) { kill(c, SIGKILL); return 2; }
    close(fd);
  }
  snprintf(p, sizeof p, "/proc/%d/ns/user", c);
  int ns = open(p, O_RDONLY);
  int t = syscall(SYS_open_tree, AT_FDCWD, argv[1], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  struct mount_attr a = {0};
  a.attr_set = MOUNT_ATTR_IDMAP;
  a.userns_fd = ns;
  int r = t < 0 || ns < 0 ? -1 : (int)syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH, &a, sizeof a);
  kill(c, SIGKILL);
  return r == 0 ? 0 : 1;
}
`;
export function kernelIdmaps(dir: string): boolean {
  return spawnSync(staticProgram('idmap-probe', IDMAP_PROBE), [dir]).status === 0;
}

/** The probes. Each is cheap after its first call. */
export const host = {
  root: once(() => (isRoot ? undefined : 'needs root')),

  /** The x86_64 syscall numbers, the seccomp profile and the personality tests are this architecture's. */
  x86_64: once(() => (process.arch === 'x64' ? undefined : `the test is written for x86_64 hosts (this is ${process.arch})`)),

  /**
   * int $0x80 from a 64-bit process: some CPUs and hypervisors fault on it (a general
   * protection fault, SIGSEGV) although the kernel has IA32 emulation, and a kernel booted
   * with ia32_emulation=0 refuses it the same way. Probed on the host, outside any
   * container and without seccomp, with the same static probe the tests put in the rootfs.
   */
  i386Syscalls: once(() => {
    if (process.arch !== 'x64') return `32-bit x86 system calls exist only on x86_64 hosts (this is ${process.arch})`;
    const noCc = staticCc();
    if (noCc) return noCc;
    const r = spawnSync(seccompTools().sysprobe, ['i386', '64'], { encoding: 'utf8', timeout: 10_000 });
    if (r.status === 0 && /^ret \d+\n$/.test(r.stdout)) return undefined;
    const how = r.signal ? `the probe died with ${r.signal}` : `the probe exited ${r.status}: ${(r.stdout + r.stderr).trim()}`;
    return `this host cannot make 32-bit x86 system calls (int $0x80: ${how})`;
  }),

  /** Time namespaces (Linux 5.6, CONFIG_TIME_NS). */
  timeNamespaces: once(() => (fs.existsSync('/proc/self/ns/time') ? undefined : 'this kernel has no time namespaces (Linux 5.6+, CONFIG_TIME_NS)')),

  /** User namespaces can be made (user.max_user_namespaces is not 0). */
  userNamespaces: once(() => {
    if (!fs.existsSync('/proc/self/ns/user')) return 'this kernel has no user namespaces (CONFIG_USER_NS)';
    return (readFile('/proc/sys/user/max_user_namespaces') ?? '1').trim() === '0' ? 'user namespaces are disabled on this host (user.max_user_namespaces = 0)' : undefined;
  }),

  /** The kernel reports Seccomp_filters in /proc/<pid>/status (Linux 5.9). */
  seccompFilterCount: once(() => (/^Seccomp_filters:/m.test(readFile('/proc/self/status') ?? '') ? undefined : 'this kernel does not report Seccomp_filters in /proc/<pid>/status (Linux 5.9+)')),

  /** SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19). */
  seccompWaitKillableRecv: once(() =>
    gatherSeccompFacts({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] }).kernelFlags.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
      ? undefined
      : 'this kernel has no SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19+)',
  ),

  /** CAP_SYS_NICE in the runtime's bounding set: realtime policies and negative nice values. */
  sysNice: once(() => (hasBoundingCapability(23) ? undefined : 'this host\'s capability bounding set lacks CAP_SYS_NICE (realtime scheduling)')),

  /** The runtime's bounding set lacks a capability the kernel knows (tests of how ocirt refuses to grant it). */
  incompleteBoundingSet: once(() =>
    capabilityMissingFromBoundingSet() === undefined ? 'this host\'s capability bounding set is complete (the test needs one that lacks a capability, as in a container or CI sandbox)' : undefined,
  ),

  /** The default config's RLIMIT_NOFILE 1024/1024 needs a hard limit of 1024 where the runtime cannot raise it (no CAP_SYS_RESOURCE). */
  nofile1024: once(() => {
    const hard = hardLimit('Max open files');
    return hard !== undefined && hard < 1024 ? `this host's hard RLIMIT_NOFILE is ${hard}, below the 1024 the default config sets` : undefined;
  }),

  /** cgroup v1 controllers mounted (memory, cpu, pids ... under /sys/fs/cgroup/<controller>). */
  cgroupV1: once(() => (cgroupMounts().has('memory') ? undefined : 'this host has no cgroup v1 memory controller mounted (a cgroup v2 host: the VM guest tests cover v2)')),

  /** Every v1 controller the resource tests write (memory cpu cpuset pids devices freezer blkio). */
  cgroupV1Controllers: once(() => {
    const m = cgroupMounts();
    const gone = ['memory', 'cpu', 'cpuset', 'pids', 'devices', 'freezer', 'blkio'].filter((c) => !m.has(c));
    return gone.length === 0 ? undefined : `this host has no cgroup v1 ${gone.join(', ')} controller mounted`;
  }),

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

  /** The 2 MiB huge page size (hugetlb limits are set per size). */
  hugepages2M: once(() => (fs.existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB') ? undefined : 'this host has no 2 MiB huge page size')),

  /** At least two CPUs this process may run on (affinity tests need one to move away from). */
  twoCpus: once(() => {
    const cpus = allowedList('Cpus_allowed_list');
    return cpus.includes(0) && cpus.includes(1) ? undefined : `this process may run on CPUs ${cpus.join(',') || '?'}, the test needs CPUs 0 and 1`;
  }),

  /** NUMA node 0 this process may allocate on (memory policy tests). */
  numaNode0: once(() =>
    fs.existsSync('/sys/devices/system/node/node0') && allowedList('Mems_allowed_list').includes(0) ? undefined : 'this host has no NUMA node 0 to bind memory to (CONFIG_NUMA)',
  ),

  /** The loop driver (/dev/loop-control opens): the device-rule tests open it. */
  loopDevice: once(() => (/^\s*\d+ loop-control$/m.test(readFile('/proc/misc') ?? '') ? undefined : 'this kernel has no loop driver (/dev/loop-control)')),

  /** veth pairs can be made (net devices tests), with iproute2's ip. */
  veth: once(() => {
    const noIp = iproute2();
    if (noIp) return noIp;
    // In a network namespace of its own, gone with the probe.
    const made = spawnSync('unshare', ['--net', 'ip', 'link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1'], { encoding: 'utf8' });
    return made.status === 0 ? undefined : `this host cannot make veth pairs (${made.stderr.trim() || `ip exited ${made.status}`})`;
  }),

  /** overlayfs, containerd's default snapshotter. */
  overlayfs: once(() => (filesystems().includes('overlay') || spawnSync('modprobe', ['overlay']).status === 0 ? undefined : 'this kernel has no overlayfs (containerd\'s snapshotter)')),

  /** /proc/timer_list (CONFIG_TIMER_LIST in procfs): the readonlyPaths/maskedPaths tests read it. */
  timerList: once(() => ((readFile('/proc/timer_list') ?? '').length > 0 ? undefined : 'this kernel has no /proc/timer_list')),

  /** systemd running as PID 1. */
  systemdBooted: once(() => (fs.existsSync('/run/systemd/system') ? undefined : 'systemd is not PID 1 on this host')),

  /** No systemd as PID 1 (tests of the error ocirt gives without it). */
  noSystemd: once(() => (fs.existsSync('/run/systemd/system') ? 'systemd is PID 1 on this host' : undefined)),

  /** AppArmor / SELinux / Intel RDT absent, as the runtime itself decides it: the tests check the refusal ocirt gives without them. */
  noAppArmor: once(() => (gatherLsmFacts().apparmor.enabled ? 'AppArmor is enabled on this host' : undefined)),
  noSelinux: once(() => (gatherLsmFacts().selinux.enabled ? 'SELinux is enabled on this host' : undefined)),
  noResctrl: once(() => ((readFile('/proc/self/mountinfo') ?? '').includes(' - resctrl ') ? 'resctrl is mounted on this host' : undefined)),

  python3: installed('python3', 'python3', () => spawnSync('python3', ['-c', 'pass']).status === 0),
  setpriv: installed('setpriv', 'util-linux', () => spawnSync('setpriv', ['--version']).status === 0),
  script: installed('script', 'bsdutils', () => which('script') !== undefined),
  iproute2,
  procps: installed('ps', 'procps', () => which('ps') !== undefined),
  busybox: installed('/bin/busybox', 'busybox-static', () => fs.existsSync('/bin/busybox')),
  staticCc,
  libseccomp: installed('libseccomp (the addon was built without it)', 'libseccomp-dev, then rebuild', () => {
    try {
      return native().seccompLibrary() !== null;
    } catch {
      return false;
    }
  }),
  runc: installed('runc', 'runc', () => which('runc') !== undefined),
  idMapHelpers: installed('newuidmap/newgidmap', 'uidmap', () => which('newuidmap') !== undefined && which('newgidmap') !== undefined),
  criu: installed('criu', 'criu', () => which('criu') !== undefined),
  /**
   * CRIU itself works on this kernel (`criu check`). Debian 12's criu 3.17 does not on
   * newer kernels (6.18 here: "vdso: Failed to fill self vdso symtable"); the VM guest's
   * 6.1 kernel runs it (test/vm/criu-guest.test.ts).
   */
  criuWorks: once(() => {
    const r = spawnSync(which('criu') ?? 'criu', ['check'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return undefined;
    const first = `${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n').find((l) => /Error/.test(l))?.replace(/^Error \([^)]*\):\s*/, '');
    return `criu cannot run on this kernel (criu check: ${first?.trim() || (r.error?.message ?? `exit status ${r.status}`)})`;
  }),
};

/** Whether this build's libseccomp knows an architecture (libseccomp 2.6 added m68k, sh and loongarch64). */
export function libseccompKnows(arch: string): boolean {
  return native().seccompLibrary()?.arches.includes(arch) ?? false;
}

/** Debian's package for each binary the suite runs, for the skip reason and .ci/run. */
const PACKAGE_OF: Record<string, string> = {
  podman: 'podman', conmon: 'conmon', containerd: 'containerd', ctr: 'containerd', 'containerd-shim-runc-v2': 'containerd',
  dockerd: 'docker.io', docker: 'docker.io', 'docker-init': 'docker.io', buildah: 'buildah',
  runc: 'runc', newuidmap: 'uidmap', newgidmap: 'uidmap', useradd: 'passwd', userdel: 'passwd', setpriv: 'util-linux',
  ip: 'iproute2', ps: 'procps', ipcmk: 'util-linux', ipcrm: 'util-linux', unshare: 'util-linux', script: 'bsdutils',
  'qemu-system-x86_64': 'qemu-system-x86', python3: 'python3', gcc: 'build-essential',
};

/** Binaries .ci/run installs: the probe names the missing ones and their packages (a load failure under CI). */
export function binaries(...names: string[]): Probe {
  const gone = names.filter((n) => which(n) === undefined);
  if (gone.length === 0) return () => undefined;
  const pkgs = [...new Set(gone.map((n) => PACKAGE_OF[n] ?? n))];
  return installed(gone.join(', '), pkgs.join(' '), () => false);
}

/** The first reason among the probes why a test cannot run here, or undefined. */
export function lacking(...probes: Probe[]): string | undefined {
  for (const p of probes) {
    const why = p();
    if (why !== undefined) return why;
  }
  return undefined;
}

type SuiteFn = () => void;

/**
 * `it` for a test that needs these host capabilities: on a host without one it is
 * skipped, its name saying why ("... (skipped: this host cannot make 32-bit x86 system calls)").
 */
export function itNeeds(...probes: Probe[]) {
  const why = lacking(...probes);
  return (name: string, fn: TestFunction, timeout?: number) => (why ? it.skip(`${name} (skipped: ${why})`, fn, timeout) : it(name, fn, timeout));
}

/** The same for a whole group. */
export function describeNeeds(...probes: Probe[]) {
  const why = lacking(...probes);
  return (name: string, fn: SuiteFn) => (why ? describe.skip(`${name} (skipped: ${why})`, fn) : describe(name, fn));
}
