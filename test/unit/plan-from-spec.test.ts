import { describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { compilePlan, type PlanOptions } from '../../src/plan/from-spec';
import * as I from '../../src/plan/init-plan';
import * as F from '../../src/plan/mount-flags';

/** What `runc spec` writes on a cgroup v2 host. */
function runcSpec(): Spec {
  return {
    ociVersion: '1.3.0',
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: {
        bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        effective: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
      maskedPaths: ['/proc/acpi', '/proc/kcore', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/sys'],
    },
  };
}

const OPTIONS: PlanOptions = {
  containerId: 'c1',
  bundle: '/bundle',
  execFifo: '/run/ocirt/c1/exec.fifo',
  noPivot: false,
  preserveFds: 2,
  host: {
    sourceKinds: { '/etc/hosts': 'file', '/bundle/data': 'dir' },
    hasKcore: true,
    cgroup: { version: 2, mounts: [{ subdir: '', hostPath: '/sys/fs/cgroup/c1', controllers: [] }], symlinks: [] },
  },
};

const NSD = F.MS_NOSUID | F.MS_NOEXEC | F.MS_NODEV;
const m = (source: string, destination: string, fstype: string, flags: number, data = '', noSymlinks = false): I.PlanMount => ({
  source, destination, fstype, flags, data, remountFlags: 0, propagation: [], createAs: 'dir', noSymlinks, readonlyAfterSetup: false,
});
const dev = (path: string, major: number, minor: number): I.PlanDevice => ({ path, mode: 0o20666, major, minor, uid: 0, gid: 0, bind: false });

describe('compilePlan', () => {
  it('compiles runc\'s default spec', () => {
    const caps = String((1 << 29) | (1 << 5) | (1 << 10));
    expect(compilePlan(runcSpec(), OPTIONS)).toEqual<I.InitPlan>({
      version: 1,
      containerId: 'c1',
      joinNamespaces: [],
      createNamespaces: I.CLONE_NEWPID | I.CLONE_NEWNET | I.CLONE_NEWIPC | I.CLONE_NEWUTS | I.CLONE_NEWNS | I.CLONE_NEWCGROUP,
      waitForIdMaps: false,
      timeOffsets: null,
      execFifo: '/run/ocirt/c1/exec.fifo',
      rootfs: '/bundle/rootfs',
      rootPropagation: F.MS_SLAVE | F.MS_REC,
      makeRootfsPrivate: false,
      noPivot: false,
      readonlyRoot: true,
      ownMountNamespace: true,
      mounts: [
        m('proc', '/proc', 'proc', 0, '', true),
        m('tmpfs', '/dev', 'tmpfs', F.MS_NOSUID | F.MS_STRICTATIME, 'mode=755,size=65536k'),
        m('devpts', '/dev/pts', 'devpts', F.MS_NOSUID | F.MS_NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5'),
        m('shm', '/dev/shm', 'tmpfs', NSD, 'mode=1777,size=65536k'),
        m('mqueue', '/dev/mqueue', 'mqueue', NSD),
        m('sysfs', '/sys', 'sysfs', NSD | F.MS_RDONLY, '', true),
        m('cgroup', '/sys/fs/cgroup', 'cgroup2', NSD | F.MS_RELATIME | F.MS_RDONLY),
      ],
      devices: [dev('/dev/null', 1, 3), dev('/dev/random', 1, 8), dev('/dev/full', 1, 7), dev('/dev/tty', 5, 0), dev('/dev/zero', 1, 5), dev('/dev/urandom', 1, 9)],
      devSymlinks: [
        { link: '/dev/ptmx', target: 'pts/ptmx', replace: true },
        { link: '/dev/fd', target: '/proc/self/fd' },
        { link: '/dev/stdin', target: '/proc/self/fd/0' },
        { link: '/dev/stdout', target: '/proc/self/fd/1' },
        { link: '/dev/stderr', target: '/proc/self/fd/2' },
        { link: '/dev/core', target: '/proc/kcore' },
      ],
      maskedPaths: ['/proc/acpi', '/proc/kcore', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/sys'],
      sysctl: [],
      hostname: 'runc',
      domainname: null,
      process: {
        args: ['sh'],
        env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
        cwd: '/',
        uid: 0,
        gid: 0,
        additionalGids: [],
        umask: 0o022,
        capabilities: { bounding: caps, effective: caps, inheritable: '0', permitted: caps, ambient: '0' },
        rlimits: [{ resource: 7, soft: '1024', hard: '1024' }],
        noNewPrivileges: true,
        oomScoreAdj: null,
        searchPath: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        createCwd: true,
      },
      preserveFds: 2,
      hooks: { createContainer: [], startContainer: [] },
    });
  });

  it('is pure: the same input gives the same plan, and the spec is not changed', () => {
    const spec = runcSpec();
    const before = JSON.stringify(spec);
    expect(compilePlan(spec, OPTIONS)).toEqual(compilePlan(spec, OPTIONS));
    expect(JSON.stringify(spec)).toBe(before);
  });

  it('makes the devices binds in a rootless-style spec with a user namespace', () => {
    const spec = runcSpec();
    spec.linux!.namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'user' }];
    spec.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    spec.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    spec.mounts = spec.mounts!.filter((x) => x.type !== 'cgroup');
    spec.mounts[5] = { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
    const plan = compilePlan(spec, { ...OPTIONS, host: { ...OPTIONS.host, sourceKinds: { '/sys': 'dir' } } });
    expect(plan.waitForIdMaps).toBe(true);
    expect(plan.createNamespaces & I.CLONE_NEWUSER).toBe(I.CLONE_NEWUSER);
    expect(plan.devices.every((d) => d.bind)).toBe(true);
    expect(plan.mounts[5]).toEqual({
      source: '/sys', destination: '/sys', fstype: '', flags: F.MS_BIND | F.MS_REC, data: '',
      remountFlags: F.MS_REMOUNT | F.MS_BIND | NSD | F.MS_RDONLY, propagation: [], createAs: 'dir', noSymlinks: true, readonlyAfterSetup: false,
    });
  });

  it('puts cgroup v1 co-mount links after the /dev links', () => {
    const plan = compilePlan(runcSpec(), {
      ...OPTIONS,
      host: {
        ...OPTIONS.host,
        hasKcore: false,
        cgroup: {
          version: 1,
          mounts: [{ subdir: 'cpu,cpuacct', hostPath: '/sys/fs/cgroup/cpu,cpuacct/c1', controllers: ['cpu', 'cpuacct'] }],
          symlinks: [],
        },
      },
    });
    expect(plan.mounts.slice(6).map((x) => [x.fstype, x.destination])).toEqual([
      ['tmpfs', '/sys/fs/cgroup'],
      ['cgroup', '/sys/fs/cgroup/cpu,cpuacct'],
    ]);
    expect(plan.devSymlinks.slice(5)).toEqual([
      { link: '/sys/fs/cgroup/cpu', target: 'cpu,cpuacct' },
      { link: '/sys/fs/cgroup/cpuacct', target: 'cpu,cpuacct' },
    ]);
  });

  it('passes hooks, sysctl and an empty hostname', () => {
    const spec = runcSpec();
    spec.hostname = '';
    spec.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    spec.hooks = { createContainer: [{ path: '/hook', timeout: 3 }], startContainer: [{ path: '/start' }], prestart: [{ path: '/pre' }] };
    const plan = compilePlan(spec, OPTIONS);
    expect(plan.hostname).toBeNull();
    expect(plan.sysctl).toEqual([{ path: 'net/ipv4/ip_forward', value: '1' }]);
    expect(plan.hooks.createContainer).toEqual([{ path: '/hook', args: ['/hook'], env: [], timeout: 3 }]);
    expect(plan.hooks.startContainer[0].env).toEqual(plan.process.env);
  });

  it('rlimits in a user namespace (created or joined) are set by the runtime; otherwise by the init', () => {
    const withUser = (ns: { type: 'user'; path?: string }) => {
      const spec = runcSpec();
      spec.linux!.namespaces!.push(ns);
      if (!ns.path) {
        spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      }
      return spec;
    };
    const created = compilePlan(withUser({ type: 'user' }), OPTIONS).process;
    expect(created.rlimitsByRuntime).toBe(true);
    expect(created.rlimits).toEqual([{ resource: 7, soft: '1024', hard: '1024' }]);
    expect(compilePlan(withUser({ type: 'user', path: '/proc/7/ns/user' }), OPTIONS).process.rlimitsByRuntime).toBe(true);
    expect(compilePlan(runcSpec(), OPTIONS).process).not.toHaveProperty('rlimitsByRuntime');
    const none = withUser({ type: 'user' });
    none.process!.rlimits = [];
    expect(compilePlan(none, OPTIONS).process).not.toHaveProperty('rlimitsByRuntime');
  });

  it('a root runtime opens the bind sources of a container with a user namespace itself (created or joined); not the other mounts', () => {
    const spec = runcSpec();
    spec.mounts!.push({ destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro'] });
    const preopened = (s: Spec, privilegedRuntime: boolean) =>
      compilePlan(s, { ...OPTIONS, host: { ...OPTIONS.host, privilegedRuntime } }).mounts.filter((x) => x.preopenSource).map((x) => x.source);
    expect(preopened(spec, true)).toEqual([]);
    spec.linux!.namespaces!.push({ type: 'user' });
    spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    expect(preopened(spec, true)).toEqual(['/bundle/data']);
    // rootless: the container's root is the caller, who has no more rights to lend
    expect(preopened(spec, false)).toEqual([]);
    const joined = runcSpec();
    joined.mounts!.push({ destination: '/data', type: 'bind', source: 'data', options: ['bind'] });
    joined.linux!.namespaces!.push({ type: 'user', path: '/proc/7/ns/user' });
    expect(preopened(joined, true)).toEqual(['/bundle/data']);
  });

  it('refuses a hostname without a uts namespace', () => {
    const spec = runcSpec();
    spec.linux!.namespaces = spec.linux!.namespaces!.filter((n) => n.type !== 'uts');
    expect(() => compilePlan(spec, OPTIONS)).toThrow('/hostname: unable to set hostname without a private UTS namespace');
  });

  it('resolves relative bind sources against the bundle and reports missing ones', () => {
    const spec = runcSpec();
    spec.mounts!.push({ destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'rw'] });
    spec.mounts!.push({ destination: '/etc/hosts', type: 'bind', source: '/etc/hosts', options: ['bind', 'ro'] });
    const plan = compilePlan(spec, OPTIONS);
    expect(plan.mounts.slice(-2).map((x) => [x.source, x.createAs, x.remountFlags])).toEqual([
      ['/bundle/data', 'dir', F.MS_REMOUNT | F.MS_BIND],
      ['/etc/hosts', 'file', F.MS_REMOUNT | F.MS_BIND | F.MS_RDONLY],
    ]);
    spec.mounts!.push({ destination: '/x', type: 'bind', source: '/missing', options: ['rbind'] });
    expect(() => compilePlan(spec, OPTIONS)).toThrow('/mounts/9/source: mount source /missing does not exist');
  });

  it('errors are OcirtErrors', () => {
    try {
      compilePlan({ ...runcSpec(), root: undefined }, OPTIONS);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).name).toBe('OcirtError');
      expect((e as { stage?: string }).stage).toBe('plan');
    }
  });
});
