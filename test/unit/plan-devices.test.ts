import { describe, expect, it } from 'vitest';
import type { PlanMount } from '../../src/plan/init-plan';
import { S_IFBLK, S_IFCHR, S_IFIFO, translateDevices, type DeviceContext } from '../../src/plan/devices';
import { MS_BIND, MS_REC } from '../../src/plan/mount-flags';

const ctx = (over: Partial<DeviceContext> = {}): DeviceContext => ({ userNamespace: false, hasKcore: true, mounts: [], ...over });
const BASE_LINKS = [
  { link: '/dev/ptmx', target: 'pts/ptmx', replace: true },
  { link: '/dev/fd', target: '/proc/self/fd' },
  { link: '/dev/stdin', target: '/proc/self/fd/0' },
  { link: '/dev/stdout', target: '/proc/self/fd/1' },
  { link: '/dev/stderr', target: '/proc/self/fd/2' },
];

describe('translateDevices', () => {
  it('creates runc\'s default devices, in runc\'s order, and the /dev links', () => {
    const plan = translateDevices(undefined, ctx());
    expect(plan.devices).toEqual([
      { path: '/dev/null', mode: S_IFCHR | 0o666, major: 1, minor: 3, uid: 0, gid: 0, bind: false },
      { path: '/dev/random', mode: S_IFCHR | 0o666, major: 1, minor: 8, uid: 0, gid: 0, bind: false },
      { path: '/dev/full', mode: S_IFCHR | 0o666, major: 1, minor: 7, uid: 0, gid: 0, bind: false },
      { path: '/dev/tty', mode: S_IFCHR | 0o666, major: 5, minor: 0, uid: 0, gid: 0, bind: false },
      { path: '/dev/zero', mode: S_IFCHR | 0o666, major: 1, minor: 5, uid: 0, gid: 0, bind: false },
      { path: '/dev/urandom', mode: S_IFCHR | 0o666, major: 1, minor: 9, uid: 0, gid: 0, bind: false },
    ]);
    expect(plan.devSymlinks).toEqual([...BASE_LINKS, { link: '/dev/core', target: '/proc/kcore' }]);
  });

  it('links /dev/core only when the host has /proc/kcore', () => {
    expect(translateDevices(undefined, ctx({ hasKcore: false })).devSymlinks).toEqual(BASE_LINKS);
  });

  it('lets config devices override defaults of the same path and appends the others', () => {
    const plan = translateDevices(
      [
        { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o600, uid: 5, gid: 6 },
        { path: '/dev/sda', type: 'b', major: 8, minor: 0, fileMode: 0o660 },
        { path: '/dev/fifo', type: 'p' },
        { path: '/dev/kmsg', type: 'u', major: 1, minor: 11, fileMode: 0o100644 },
      ],
      ctx(),
    );
    expect(plan.devices.map((d) => d.path)).toEqual([
      '/dev/random', '/dev/full', '/dev/tty', '/dev/zero', '/dev/urandom', '/dev/null', '/dev/sda', '/dev/fifo', '/dev/kmsg',
    ]);
    expect(plan.devices[5]).toEqual({ path: '/dev/null', mode: S_IFCHR | 0o600, major: 1, minor: 3, uid: 5, gid: 6, bind: false });
    expect(plan.devices[6].mode).toBe(S_IFBLK | 0o660);
    expect(plan.devices[7]).toMatchObject({ mode: S_IFIFO | 0o666, major: 0, minor: 0 });
    // 'u' is a character device; the file type bits of fileMode are dropped.
    expect(plan.devices[8].mode).toBe(S_IFCHR | 0o644);
  });

  it('bind-mounts the nodes when the container has a user namespace', () => {
    const plan = translateDevices([{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }], ctx({ userNamespace: true }));
    expect(plan.devices.every((d) => d.bind)).toBe(true);
    expect(plan.devices).toHaveLength(7);
  });

  it('skips /dev/ptmx from the config (it is the pts/ptmx link) and repeated paths', () => {
    const plan = translateDevices(
      [
        { path: '/dev/ptmx', type: 'c', major: 5, minor: 2 },
        { path: '/dev/a', type: 'c', major: 1, minor: 1 },
        { path: '/dev/a', type: 'c', major: 2, minor: 2 },
      ],
      ctx(),
    );
    expect(plan.devices.filter((d) => d.path === '/dev/a')).toEqual([expect.objectContaining({ major: 1 })]);
    expect(plan.devices.some((d) => d.path === '/dev/ptmx')).toBe(false);
  });

  it('creates nothing when a bind mount provides the whole /dev', () => {
    const devBind: PlanMount = {
      source: '/dev', destination: '/dev/', fstype: '', flags: MS_BIND | MS_REC, data: '', remountFlags: 0,
      propagation: [], createAs: 'dir', noSymlinks: false, readonlyAfterSetup: false,
    };
    expect(translateDevices([{ path: '/dev/sda', type: 'b', major: 8, minor: 0 }], ctx({ mounts: [devBind] }))).toEqual({
      devices: [],
      devSymlinks: [],
    });
    // A tmpfs at /dev is not a bind: devices are created on it.
    const tmpfs = { ...devBind, flags: 0, fstype: 'tmpfs' };
    expect(translateDevices(undefined, ctx({ mounts: [tmpfs] })).devices).toHaveLength(6);
  });

  it('refuses an unknown type and a relative path', () => {
    expect(() => translateDevices([{ path: '/dev/x', type: 'x' as 'c' }], ctx())).toThrow('/linux/devices/0/type: invalid device type "x"');
    expect(() => translateDevices([{ path: 'dev/x', type: 'c' }], ctx())).toThrow('/linux/devices/0/path: device path "dev/x" is not absolute');
  });
});
