import { describe, expect, it } from 'vitest';
import type { Mount } from '../../src/spec/types';
import * as F from '../../src/plan/mount-flags';
import { bindSourcePaths, translateMounts, type MountContext } from '../../src/plan/mounts';

const ctx = (over: Partial<MountContext> = {}): MountContext => ({
  bundle: '/b',
  sourceKinds: { '/host/dir': 'dir', '/host/file': 'file', '/b/rel': 'dir' },
  cgroup: { version: 2, mounts: [{ subdir: '', hostPath: '/sys/fs/cgroup/c1', controllers: [] }], symlinks: [] },
  cgroupNamespace: true,
  ...over,
});

const one = (m: Mount, c = ctx()) => translateMounts([m], c).mounts;

describe('translateMounts', () => {
  it('turns a filesystem mount into fstype, flags and data', () => {
    expect(one({ destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] })).toEqual([
      {
        source: 'tmpfs', destination: '/dev', fstype: 'tmpfs', flags: F.MS_NOSUID | F.MS_STRICTATIME,
        data: 'mode=755,size=65536k', remountFlags: 0, propagation: [], createAs: 'dir', noSymlinks: false, readonlyAfterSetup: false,
      },
    ]);
  });

  it('a tmpfs without mode= is to take the mode of its mount point (runc); with mode=, or another type, not', () => {
    expect(one({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m'] })[0].copyMountPointMode).toBe(true);
    expect(one({ destination: '/t', type: 'tmpfs', source: 'tmpfs' })[0].copyMountPointMode).toBe(true);
    expect(one({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=700'] })[0]).not.toHaveProperty('copyMountPointMode');
    expect(one({ destination: '/q', type: 'mqueue', source: 'mqueue' })[0]).not.toHaveProperty('copyMountPointMode');
    expect(one({ destination: '/b', type: 'bind', source: '/host/dir' })[0]).not.toHaveProperty('copyMountPointMode');
  });

  it('binds with ro,nosuid,rbind,rslave: bind first, flags by remount, propagation after', () => {
    expect(one({ destination: '/data', type: 'bind', source: '/host/dir', options: ['ro', 'nosuid', 'rbind', 'rslave'] })).toEqual([
      {
        source: '/host/dir', destination: '/data', fstype: '', flags: F.MS_BIND | F.MS_REC, data: '',
        remountFlags: F.MS_REMOUNT | F.MS_BIND | F.MS_RDONLY | F.MS_NOSUID,
        propagation: [F.MS_SLAVE | F.MS_REC], createAs: 'dir', noSymlinks: false, readonlyAfterSetup: false,
      },
    ]);
  });

  it('treats a bind option as a bind whatever the type, and a file source as a file', () => {
    const [m] = one({ destination: '/etc/hosts', type: 'none', source: '/host/file', options: ['bind'] });
    expect(m).toMatchObject({ fstype: '', flags: F.MS_BIND, remountFlags: 0, createAs: 'file' });
  });

  it('treats type "bind" without a bind option as a non-recursive bind', () => {
    const [m] = one({ destination: '/x', type: 'bind', source: '/host/dir' });
    expect(m).toMatchObject({ fstype: '', flags: F.MS_BIND, remountFlags: 0 });
  });

  it('resolves a relative bind source against the bundle', () => {
    const [m] = one({ destination: '/x', type: 'bind', source: 'rel', options: ['rbind'] });
    expect(m.source).toBe('/b/rel');
  });

  it('refuses a missing bind source with its pointer', () => {
    expect(() =>
      translateMounts(
        [{ destination: '/proc', type: 'proc', source: 'proc' }, { destination: '/x', type: 'bind', source: '/nope', options: ['rbind'] }],
        ctx(),
      ),
    ).toThrow('/mounts/1/source: mount source /nope does not exist');
  });

  it('ignores filesystem data on a bind mount, as runc and the kernel do', () => {
    const [m] = one({ destination: '/x', source: '/host/dir', options: ['rbind', 'mode=755'] });
    expect(m.data).toBe('');
    expect(m.flags & F.MS_BIND).toBe(F.MS_BIND);
  });

  it('refuses idmapped mounts of a runtime that is not root (test/unit/plan-idmap-mounts.test.ts has the rest)', () => {
    expect(() => one({ destination: '/x', type: 'bind', source: '/host/dir', options: ['rbind', 'idmap'] })).toThrow(
      '/mounts/0: idmapped mounts are not supported for rootless containers',
    );
    expect(() =>
      one({ destination: '/x', type: 'bind', source: '/host/dir', uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }),
    ).toThrow('/mounts/0: idmapped mounts are not supported for rootless containers');
  });

  it('refuses a non-bind mount without a type', () => {
    expect(() => one({ destination: '/x', source: 'foo' })).toThrow('/mounts/0/type: a mount that is not a bind mount needs a type');
  });

  it('marks proc and sysfs as no-symlink mounts, and cleans destinations', () => {
    const [proc, sys, other] = translateMounts(
      [
        { destination: 'proc', type: 'proc', source: 'proc' },
        { destination: '/sys/', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
        { destination: '/run//x/../y', type: 'tmpfs', source: 'tmpfs' },
      ],
      ctx(),
    ).mounts;
    expect(proc).toMatchObject({ destination: '/proc', noSymlinks: true });
    expect(sys).toMatchObject({ destination: '/sys', noSymlinks: true, flags: F.MS_NOSUID | F.MS_NOEXEC | F.MS_NODEV | F.MS_RDONLY });
    expect(other).toMatchObject({ destination: '/run/y', noSymlinks: false });
  });

  it('lists the bind sources host-facts must stat', () => {
    expect(
      bindSourcePaths(
        [
          { destination: '/a', type: 'bind', source: 'rel' },
          { destination: '/b', type: 'tmpfs', source: 'tmpfs' },
          { destination: '/c', source: '/abs', options: ['rbind'] },
          { destination: '/d', source: '/rro', options: ['rbind', 'rro'] },
        ],
        '/bundle',
      ),
    ).toEqual(['/bundle/rel', '/abs', '/rro']);
  });
});
