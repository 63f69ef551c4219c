// The rootless decisions without running anything: --rootless, the user namespace
// detection, /etc/subuid parsing, the config checks and how maps are written, the
// controllers limits need, and the plan's mounts and devices in a user namespace.
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/plan/from-spec';
import { MS_BIND, MS_RDONLY, MS_REC } from '../../src/plan/mount-flags';
import type { HostFacts } from '../../src/plan/plan-options';
import { neededControllers, withoutDeviceRules } from '../../src/rootless/cgroup-controllers';
import { checkRootlessConfig, PRIVILEGED_ID_MAPS, type RootlessFacts } from '../../src/rootless/check-config';
import { hardLimits } from '../../src/rootless/host-limits';
import { inUserNamespace, parseRootlessFlag, rootlessMode, userNameOf } from '../../src/rootless/mode';
import { subordinateRanges, withinRanges } from '../../src/rootless/subordinate-ids';
import { defaultConfig } from '../../src/spec/default-config';
import type { Spec } from '../../src/spec/types';
import { defaultRoot } from '../../src/state/store';

const USER = { uid: 1234, gid: 1235 };
const MODE = { euid: true, cgroups: true, hostRoot: false, uid: 1234, gid: 1235, userName: 'alice' };
const IDENTITY = '         0          0 4294967295\n';

function facts(over: Partial<RootlessFacts> = {}): RootlessFacts {
  return {
    subuid: [{ start: 100000, count: 65536 }],
    subgid: [{ start: 100000, count: 65536 }],
    newuidmap: '/usr/bin/newuidmap',
    newgidmap: '/usr/bin/newgidmap',
    hardLimits: new Map([[7, 4096n]]),
    oomScoreAdj: 0,
    ...over,
  };
}

function rootlessSpec(edit?: (s: Spec) => void): Spec {
  const s = defaultConfig({ rootless: true, ids: USER, terminal: false, cgroupNamespace: false });
  edit?.(s);
  return s;
}

const HOST: HostFacts = {
  sourceKinds: { '/sys': 'dir' },
  hasKcore: true,
  cgroup: { version: 2, mounts: [{ subdir: '', hostPath: '/sys/fs/cgroup/user.slice', controllers: [] }], symlinks: [] },
};
const planOf = (spec: Spec, host: Partial<HostFacts> = {}) =>
  compilePlan(spec, { containerId: 'c', bundle: '/b', execFifo: '/run/x/exec.fifo', noPivot: false, preserveFds: 0, host: { ...HOST, ...host } });

describe('--rootless and the caller', () => {
  it('parses true/false/auto like runc', () => {
    expect(parseRootlessFlag(undefined)).toBe('auto');
    expect(parseRootlessFlag('auto')).toBe('auto');
    expect(parseRootlessFlag('true')).toBe(true);
    expect(parseRootlessFlag('false')).toBe(false);
    expect(() => parseRootlessFlag('yes')).toThrow('--rootless must be true, false or auto, not "yes"');
  });

  it('auto: rootless cgroups for a non-root caller and for root in a user namespace', () => {
    expect(rootlessMode(undefined, USER, IDENTITY)).toMatchObject({ euid: true, cgroups: true });
    expect(rootlessMode(undefined, { uid: 0, gid: 0 }, IDENTITY)).toMatchObject({ euid: false, cgroups: false, hostRoot: true });
    expect(rootlessMode('auto', { uid: 0, gid: 0 }, '0 1000 1\n1 100000 65536\n')).toMatchObject({ euid: false, cgroups: true, hostRoot: false });
    expect(rootlessMode('false', USER, IDENTITY)).toMatchObject({ euid: true, cgroups: false });
    expect(rootlessMode('true', { uid: 0, gid: 0 }, IDENTITY)).toMatchObject({ euid: false, cgroups: true });
  });

  it('detects a user namespace from uid_map', () => {
    expect(inUserNamespace(IDENTITY)).toBe(false);
    expect(inUserNamespace('0 1000 1\n')).toBe(true);
    expect(inUserNamespace('0 0 4294967295\n1 1 1\n')).toBe(true);
  });

  it('state root: $XDG_RUNTIME_DIR/ocirt for a user, and for root of a user namespace unless USER is root (as runc)', () => {
    const xdg = { XDG_RUNTIME_DIR: '/run/user/1234' };
    expect(defaultRoot(xdg, 1234, () => false)).toBe('/run/user/1234/ocirt');
    expect(defaultRoot({ ...xdg, USER: 'alice' }, 0, () => true)).toBe('/run/user/1234/ocirt');
    expect(defaultRoot({ ...xdg, USER: 'root' }, 0, () => true)).toBe('/run/ocirt');
    expect(defaultRoot(xdg, 0, () => false)).toBe('/run/ocirt');
    expect(defaultRoot({}, 1234, () => true)).toBe('/run/ocirt');
  });

  it('names the owner from passwd, or #uid', () => {
    expect(userNameOf(1234, 'root:x:0:0::/root:/bin/sh\nalice:x:1234:1235::/home/alice:/bin/sh\n')).toBe('alice');
    expect(userNameOf(99, 'root:x:0:0::/root:/bin/sh\n')).toBe('#99');
  });

  it('reads /etc/subuid by name or uid', () => {
    const text = 'bob:1:2\nalice:100000:65536\n1234:300000:10\nalice:bad:1\n';
    expect(subordinateRanges(text, { name: 'alice', id: 1234 })).toEqual([{ start: 100000, count: 65536 }, { start: 300000, count: 10 }]);
    expect(withinRanges(100001, 65535, [{ start: 100000, count: 65536 }])).toBe(true);
    expect(withinRanges(100001, 65536, [{ start: 100000, count: 65536 }])).toBe(false);
  });

  it('reads hard limits from /proc/self/limits', () => {
    const text = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max cpu time              unlimited            unlimited            seconds   ',
      'Max file size             unlimited            unlimited            bytes     ',
      'Max data size             unlimited            unlimited            bytes     ',
      'Max stack size            8388608              unlimited            bytes     ',
      'Max core file size        0                    unlimited            bytes     ',
      'Max resident set          unlimited            unlimited            bytes     ',
      'Max processes             63704                63704                processes ',
      'Max open files            1024                 524288               files     ',
    ].join('\n');
    const limits = hardLimits(text);
    expect(limits.get(7)).toBe(524288n);
    expect(limits.get(6)).toBe(63704n);
    expect(limits.get(0)).toBeUndefined();
  });
});

describe('checkRootlessConfig', () => {
  it('the single own id is written directly, the gid map after setgroups is denied', () => {
    expect(checkRootlessConfig(rootlessSpec(), MODE, facts())).toEqual({ uid: { via: 'write' }, gid: { via: 'write', denySetgroups: true } });
  });

  it('delegated ranges go through newuidmap/newgidmap', () => {
    const spec = rootlessSpec((s) => {
      s.linux!.uidMappings!.push({ containerID: 1, hostID: 100000, size: 65536 });
      s.linux!.gidMappings!.push({ containerID: 1, hostID: 100000, size: 100 });
      s.process!.user = { uid: 0, gid: 0, additionalGids: [5] };
    });
    expect(checkRootlessConfig(spec, MODE, facts())).toEqual({
      uid: { via: 'helper', helper: '/usr/bin/newuidmap' },
      gid: { via: 'helper', helper: '/usr/bin/newgidmap' },
    });
  });

  it('joining a user namespace needs no maps', () => {
    const spec = rootlessSpec((s) => {
      s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'user' ? { type: 'user', path: '/proc/42/ns/user' } : n));
      delete s.linux!.uidMappings;
      delete s.linux!.gidMappings;
    });
    expect(checkRootlessConfig(spec, MODE, facts())).toBe(PRIVILEGED_ID_MAPS);
  });

  it.each([
    ['no user namespace', (s: Spec) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'user');
      delete s.linux!.uidMappings;
      delete s.linux!.gidMappings;
    }, '/linux/namespaces: ocirt runs as uid 1234 (alice), not root: the container needs a user namespace'],
    ['host ids not delegated', (s: Spec) => s.linux!.uidMappings!.push({ containerID: 1, hostID: 200000, size: 10 }),
      '/linux/uidMappings/1: host uids 200000..200009 are not yours to map: alice (uid 1234) may map its own uid and the ranges /etc/subuid gives it (100000..165535); root must add them to /etc/subuid, e.g. "alice:200000:10"'],
    ['another user\'s id', (s: Spec) => (s.linux!.gidMappings = [{ containerID: 0, hostID: 0, size: 1 }]),
      '/linux/gidMappings/0: host gids 0 are not yours to map'],
    ['a process user outside the maps', (s: Spec) => (s.process!.user = { uid: 0, gid: 7 }),
      '/process/user/gid: gid 7 is not mapped in the user namespace (container gids mapped: 0)'],
    ['additional groups with setgroups denied', (s: Spec) => (s.process!.user = { uid: 0, gid: 0, additionalGids: [0] }),
      '/process/user/additionalGids: setgroups(2) is denied'],
    ['a mount option with an unmapped gid', (s: Spec) => s.mounts![2].options!.push('gid=5'),
      '/mounts/2/options/5: gid=5: gid 5 is not mapped in the user namespace'],
    ['an rlimit above the hard limit', (s: Spec) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 8192 }]),
      '/process/rlimits/0/hard: RLIMIT_NOFILE hard limit 8192 is above alice\'s own (4096)'],
    ['a lower oomScoreAdj', (s: Spec) => (s.process!.oomScoreAdj = -5),
      '/process/oomScoreAdj: -5 is below alice\'s own oom_score_adj (0)'],
  ])('refuses %s', (_what, edit, message) => {
    expect(() => checkRootlessConfig(rootlessSpec(edit), MODE, facts())).toThrow(message);
  });

  it('refuses ranges when newuidmap is missing, naming the package', () => {
    const spec = rootlessSpec((s) => s.linux!.uidMappings!.push({ containerID: 1, hostID: 100000, size: 10 }));
    expect(() => checkRootlessConfig(spec, MODE, facts({ newuidmap: undefined }))).toThrow("needs newuidmap, which was not found: install it (Debian's uidmap package)");
  });
});

describe('cgroup controllers of linux.resources', () => {
  it('lists what needs a cgroup, device rules aside', () => {
    expect(neededControllers({ devices: [{ allow: false, access: 'rwm' }] })).toEqual([]);
    expect(neededControllers({ pids: { limit: 5 }, cpu: { shares: 2, cpus: '0' }, memory: {} }).map((n) => n.controller)).toEqual(['cpu', 'cpuset', 'pids']);
    expect(withoutDeviceRules({ devices: [], pids: { limit: 1 } })).toEqual({ pids: { limit: 1 } });
  });
});

describe('the plan in a user namespace', () => {
  it('sysfs without a new network namespace is a recursive read-only bind of /sys', () => {
    const spec = rootlessSpec((s) => {
      s.mounts = s.mounts!.map((m) => (m.destination === '/sys' ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] } : m));
    });
    const sys = planOf(spec).mounts.find((m) => m.destination === '/sys')!;
    expect(sys).toMatchObject({ source: '/sys', fstype: '', flags: MS_BIND | MS_REC, noSymlinks: true });
    expect(sys.remountFlags & MS_RDONLY).toBe(MS_RDONLY);
    spec.linux!.namespaces!.push({ type: 'network' });
    expect(planOf(spec).mounts.find((m) => m.destination === '/sys')).toMatchObject({ source: 'sysfs', fstype: 'sysfs' });
  });

  it('proc needs a new pid namespace; not so without a user namespace (root)', () => {
    const spec = rootlessSpec((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid')));
    expect(() => planOf(spec)).toThrow('/mounts/0: proc can be mounted in a new user namespace only with a new pid namespace');
    const rootful = defaultConfig({ terminal: false, cgroupNamespace: false });
    rootful.linux!.namespaces = rootful.linux!.namespaces!.filter((n) => n.type !== 'pid');
    expect(planOf(rootful).mounts[0]).toMatchObject({ fstype: 'proc' });
  });

  it('devices are binds in a user namespace, also the one the runtime runs in (rootless engines)', () => {
    const rootful = defaultConfig({ terminal: false, cgroupNamespace: false });
    expect(planOf(rootful).devices.every((d) => !d.bind)).toBe(true);
    expect(planOf(rootful, { inUserNamespace: true }).devices.every((d) => d.bind)).toBe(true);
    expect(planOf(rootlessSpec()).devices.every((d) => d.bind)).toBe(true);
  });
});
