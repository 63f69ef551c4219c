import { describe, expect, it } from 'vitest';
import * as F from '../../src/plan/mount-flags';
import { cgroupV1Symlinks, expandCgroupMount } from '../../src/plan/cgroup-mounts';
import { parseMountOptions } from '../../src/plan/mount-options';
import type { CgroupLayout } from '../../src/plan/plan-options';

const SPEC_OPTIONS = ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'];
const input = (options = SPEC_OPTIONS) => ({
  destination: '/sys/fs/cgroup',
  source: 'cgroup',
  options: parseMountOptions(options, '/mounts/5/options'),
  at: '/mounts/5',
});
const BASE = F.MS_NOSUID | F.MS_NOEXEC | F.MS_NODEV;

const V2: CgroupLayout = { version: 2, mounts: [{ subdir: '', hostPath: '/sys/fs/cgroup/system.slice/c1', controllers: [] }], symlinks: [] };
const V1: CgroupLayout = {
  version: 1,
  mounts: [
    { subdir: 'cpu,cpuacct', hostPath: '/sys/fs/cgroup/cpu,cpuacct/c1', controllers: ['cpu', 'cpuacct'] },
    { subdir: 'memory', hostPath: '/sys/fs/cgroup/memory/c1', controllers: ['memory'] },
    { subdir: 'systemd', hostPath: '/sys/fs/cgroup/systemd/c1', controllers: ['name=systemd'] },
  ],
  symlinks: [],
};

describe('expandCgroupMount', () => {
  it('v2 with a cgroup namespace: one cgroup2 mount with the config flags', () => {
    expect(expandCgroupMount(input(), V2, true)).toEqual({
      mounts: [{
        source: 'cgroup', destination: '/sys/fs/cgroup', fstype: 'cgroup2', flags: BASE | F.MS_RELATIME | F.MS_RDONLY,
        data: '', remountFlags: 0, propagation: [], createAs: 'dir', noSymlinks: false, readonlyAfterSetup: false,
      }],
      symlinks: [],
    });
  });

  it('v2 without one: a read-only bind of the container cgroup', () => {
    expect(expandCgroupMount(input(), V2, false).mounts).toEqual([{
      source: '/sys/fs/cgroup/system.slice/c1', destination: '/sys/fs/cgroup', fstype: '', flags: F.MS_BIND, data: '',
      remountFlags: F.MS_REMOUNT | F.MS_BIND | BASE | F.MS_RELATIME | F.MS_RDONLY, propagation: [], createAs: 'dir', noSymlinks: false, readonlyAfterSetup: false,
    }]);
  });

  it('v1 with a cgroup namespace: tmpfs, one cgroup mount per hierarchy, co-mount links', () => {
    const plan = expandCgroupMount(input(), V1, true);
    expect(plan.mounts.map((m) => [m.source, m.destination, m.fstype, m.flags, m.data, m.remountFlags])).toEqual([
      ['tmpfs', '/sys/fs/cgroup', 'tmpfs', BASE, 'mode=755', 0],
      ['cgroup', '/sys/fs/cgroup/cpu,cpuacct', 'cgroup', BASE | F.MS_RDONLY, 'cpu,cpuacct', 0],
      ['cgroup', '/sys/fs/cgroup/memory', 'cgroup', BASE | F.MS_RDONLY, 'memory', 0],
      ['systemd', '/sys/fs/cgroup/systemd', 'cgroup', BASE | F.MS_RDONLY, 'name=systemd', 0],
    ]);
    expect(plan.symlinks).toEqual([
      { link: '/sys/fs/cgroup/cpu', target: 'cpu,cpuacct' },
      { link: '/sys/fs/cgroup/cpuacct', target: 'cpu,cpuacct' },
    ]);
  });

  it('v1 without one: rbinds of the container cgroups, flags applied by remount', () => {
    const plan = expandCgroupMount(input([...SPEC_OPTIONS, 'rprivate']), V1, false);
    expect(plan.mounts[0]).toMatchObject({ fstype: 'tmpfs', propagation: [F.MS_PRIVATE | F.MS_REC] });
    expect(plan.mounts[1]).toEqual({
      source: '/sys/fs/cgroup/cpu,cpuacct/c1', destination: '/sys/fs/cgroup/cpu,cpuacct', fstype: '',
      flags: F.MS_BIND | F.MS_REC, data: '', remountFlags: F.MS_REMOUNT | F.MS_BIND | BASE | F.MS_RELATIME | F.MS_RDONLY,
      propagation: [F.MS_PRIVATE | F.MS_REC], createAs: 'dir', noSymlinks: false, readonlyAfterSetup: false,
    });
  });

  it('adds the layout symlinks without duplicates', () => {
    const layout = { ...V1, symlinks: [{ link: 'cpu', target: 'cpu,cpuacct' }, { link: 'net_cls', target: 'net_cls,net_prio' }] };
    expect(expandCgroupMount(input(), layout, true).symlinks.map((l) => l.link)).toEqual([
      '/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpuacct', '/sys/fs/cgroup/net_cls',
    ]);
  });

  it('refuses a cgroup mount when the host has no cgroup file system', () => {
    expect(() => expandCgroupMount(input(), { version: 0, mounts: [], symlinks: [] }, true)).toThrow(/^\/mounts\/5: a cgroup mount needs/);
  });

  it('derives co-mount links like runc', () => {
    expect(cgroupV1Symlinks(V1.mounts)).toEqual([
      { link: 'cpu', target: 'cpu,cpuacct' },
      { link: 'cpuacct', target: 'cpu,cpuacct' },
    ]);
  });
});
