import { describe, expect, it } from 'vitest';
import { newCgroupDriver, openCgroupDriver } from '../../src/cgroups/select-driver';
import type { HostHierarchy } from '../../src/cgroups/host-hierarchies';
import { cgroupManagerOf, parseGlobals } from '../../src/cli/globals';

const UNIFIED: HostHierarchy[] = [{ version: 2, mountPoint: '/sys/fs/cgroup', controllers: [], root: '/' }];
const caller = new Map([['', '/user.slice/session-1.scope']]);

describe('choosing the cgroup driver', () => {
  it('--systemd-cgroup and --cgroup-manager systemd are the same; cgroupfs is the default', () => {
    const g = (argv: string[]) => cgroupManagerOf(parseGlobals([...argv, 'state', 'x']).globals);
    expect(g([])).toBe('cgroupfs');
    expect(g(['--systemd-cgroup'])).toBe('systemd');
    expect(g(['--cgroup-manager', 'systemd'])).toBe('systemd');
    expect(g(['--cgroup-manager=disabled'])).toBe('disabled');
    expect(g(['--cgroup-manager', 'cgroupfs'])).toBe('cgroupfs');
    expect(() => g(['--cgroup-manager', 'nope'])).toThrow('--cgroup-manager must be cgroupfs, systemd or disabled, not "nope"');
  });

  it('systemd: the unit\'s directory under the slice, whatever the caller\'s cgroup', () => {
    const d = newCgroupDriver('machine.slice:libpod:c1', { hierarchies: UNIFIED, caller, manager: 'systemd', systemdPath: 'machine.slice:libpod:c1', containerId: 'c1' });
    expect(d.kind).toBe('systemd');
    expect(d.systemdUnit).toBe('libpod-c1.scope');
    expect(d.paths).toEqual({ unified: '/sys/fs/cgroup/machine.slice/libpod-c1.scope' });
    const dflt = newCgroupDriver('c2', { hierarchies: UNIFIED, caller, manager: 'systemd', containerId: 'c2' });
    expect(dflt.paths).toEqual({ unified: '/sys/fs/cgroup/system.slice/ocirt-c2.scope' });
  });

  it('disabled: no cgroup of its own; its mounts show the caller\'s cgroup', () => {
    const d = newCgroupDriver('c3', { hierarchies: UNIFIED, caller, manager: 'disabled' });
    expect(d.record()).toEqual({ driver: 'none', paths: {} });
    expect(d.layout().mounts).toEqual([{ subdir: '', hostPath: '/sys/fs/cgroup/user.slice/session-1.scope', controllers: [] }]);
  });

  it('a systemd record without paths (the unit was never started) opens as no cgroup at all', () => {
    expect(openCgroupDriver({ driver: 'systemd', paths: {} }).kind).toBe('none');
    const d = openCgroupDriver({ driver: 'systemd', paths: { unified: '/sys/fs/cgroup/machine.slice/libpod-c1.scope' } });
    expect([d.kind, d.systemdUnit]).toEqual(['systemd', 'libpod-c1.scope']);
  });
});
