import type { LinuxDevice, LinuxDeviceType } from '../spec/types';
import type { PlanDevice, PlanMount, PlanSymlink } from './init-plan';
import { MS_BIND } from './mount-flags';
import { containerPath } from './paths';
import { planError, pointer } from './plan-error';

export const S_IFMT = 0o170000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

const TYPE_BITS: Record<LinuxDeviceType, number> = { c: S_IFCHR, u: S_IFCHR, b: S_IFBLK, p: S_IFIFO };

/** The devices runc always creates (specconv.AllowedDevices with a path), in its order. */
const DEFAULT_DEVICES: ReadonlyArray<{ path: string; major: number; minor: number }> = [
  { path: '/dev/null', major: 1, minor: 3 },
  { path: '/dev/random', major: 1, minor: 8 },
  { path: '/dev/full', major: 1, minor: 7 },
  { path: '/dev/tty', major: 5, minor: 0 },
  { path: '/dev/zero', major: 1, minor: 5 },
  { path: '/dev/urandom', major: 1, minor: 9 },
];

export interface DevicesPlan {
  devices: PlanDevice[];
  devSymlinks: PlanSymlink[];
}

export interface DeviceContext {
  /** The container has a user namespace (created or joined): mknod is not allowed there. */
  userNamespace: boolean;
  hasKcore: boolean;
  /** The plan's mounts, to see whether /dev comes from a bind mount. */
  mounts: readonly PlanMount[];
}

/**
 * Device nodes and the /dev symlinks, as runc's doSetupDev. Nothing at all when a bind
 * mount provides the whole /dev (runc's needsSetupDev). Default devices come first, in
 * runc's order, minus those the config lists with the same path; then the config's
 * devices in order (a repeated path: the first wins, as mknod's EEXIST would have it).
 * /dev/ptmx from the config is skipped: it is always the symlink to pts/ptmx.
 */
export function translateDevices(configDevices: readonly LinuxDevice[] | undefined, ctx: DeviceContext): DevicesPlan {
  if (bindsWholeDev(ctx.mounts)) return { devices: [], devSymlinks: [] };
  const bind = ctx.userNamespace;
  const config = configDevices ?? [];
  const devices: PlanDevice[] = [];
  const seen = new Set<string>();
  const add = (d: PlanDevice): void => {
    const key = containerPath(d.path);
    if (key === '/dev/ptmx' || seen.has(key)) return;
    seen.add(key);
    devices.push(d);
  };
  for (const d of DEFAULT_DEVICES) {
    if (config.some((c) => c.path === d.path)) continue;
    add({ path: d.path, mode: S_IFCHR | 0o666, major: d.major, minor: d.minor, uid: 0, gid: 0, bind });
  }
  config.forEach((d, i) => add(translateDevice(d, i, bind)));
  return { devices, devSymlinks: devSymlinks(ctx.hasKcore) };
}

function translateDevice(d: LinuxDevice, i: number, bind: boolean): PlanDevice {
  const typeBits = TYPE_BITS[d.type];
  if (typeBits === undefined) {
    throw planError(pointer('linux', 'devices', i, 'type'), `invalid device type ${JSON.stringify(d.type)}`);
  }
  if (!d.path.startsWith('/')) {
    throw planError(pointer('linux', 'devices', i, 'path'), `device path ${JSON.stringify(d.path)} is not absolute`);
  }
  // runc: FileMode &^ S_IFMT; only permission bits mean something to mknod.
  const perm = (d.fileMode ?? 0o666) & 0o7777;
  return {
    path: d.path,
    mode: typeBits | perm,
    major: d.major ?? 0,
    minor: d.minor ?? 0,
    uid: d.uid ?? 0,
    gid: d.gid ?? 0,
    bind,
  };
}

function bindsWholeDev(mounts: readonly PlanMount[]): boolean {
  return mounts.some((m) => (m.flags & MS_BIND) !== 0 && containerPath(m.destination) === '/dev');
}

/** runc's setupPtmx and setupDevSymlinks, in its order. */
function devSymlinks(hasKcore: boolean): PlanSymlink[] {
  const links: PlanSymlink[] = [
    { link: '/dev/ptmx', target: 'pts/ptmx', replace: true },
    { link: '/dev/fd', target: '/proc/self/fd' },
    { link: '/dev/stdin', target: '/proc/self/fd/0' },
    { link: '/dev/stdout', target: '/proc/self/fd/1' },
    { link: '/dev/stderr', target: '/proc/self/fd/2' },
  ];
  if (hasKcore) links.push({ link: '/dev/core', target: '/proc/kcore' });
  return links;
}
