import * as path from 'node:path';
import type { PlanMount, PlanSymlink } from './init-plan';
import { MS_BIND, MS_NOEXEC_NOSUID_NODEV, MS_RDONLY, MS_REC } from './mount-flags';
import { bindRemountFlags, type MountOptions } from './mount-options';
import type { CgroupHierarchy, CgroupLayout } from './plan-options';
import { planError } from './plan-error';

export interface CgroupMountPlan {
  mounts: PlanMount[];
  /** Absolute container paths of the co-mount symlinks (cpu -> cpu,cpuacct). */
  symlinks: PlanSymlink[];
}

export interface CgroupMountInput {
  /** The mount's clean absolute destination, e.g. /sys/fs/cgroup. */
  destination: string;
  source: string;
  options: MountOptions;
  /** JSON pointer of the mount, for errors. */
  at: string;
}

/**
 * A mount of type "cgroup", laid out as runc does (rootfs_linux.go mountCgroupV1/V2):
 *
 * - v2 with a cgroup namespace of its own: one cgroup2 mount with the config's flags
 *   and data (the namespace root is the container's cgroup).
 * - v2 without: a bind of the container's cgroup directory (read-only if asked). runc
 *   instead mounts a fresh cgroup2, which shows the whole host hierarchy, and falls back
 *   to a bind of /sys/fs/cgroup; the bind of the own cgroup is what crun does and
 *   exposes nothing of the host.
 * - v1: a tmpfs (nosuid,nodev,noexec, mode=755, made read-only at the end if asked),
 *   then per hierarchy at <destination>/<subdir> either a fresh `cgroup` mount (with a
 *   cgroup namespace: nosuid,nodev,noexec plus ro if asked, data = the controllers) or
 *   an rbind of the container's cgroup dir with the config's flags applied by remount;
 *   then symlinks for co-mounted controllers (cpu -> cpu,cpuacct).
 */
export function expandCgroupMount(input: CgroupMountInput, layout: CgroupLayout, cgroupNamespace: boolean): CgroupMountPlan {
  const { destination, options } = input;
  if (layout.version === 0) {
    throw planError(input.at, 'a cgroup mount needs a cgroup filesystem on the host, and none was found');
  }
  if (layout.version === 2) {
    if (cgroupNamespace) {
      return {
        mounts: [mount(input.source, destination, 'cgroup2', options.flags, options.data, 0, options.propagation)],
        symlinks: [],
      };
    }
    const own = layout.mounts[0];
    if (!own) throw planError(input.at, 'the cgroup v2 layout has no cgroup directory for the container');
    return {
      mounts: [mount(own.hostPath, destination, '', MS_BIND, '', bindRemountFlags(options), options.propagation)],
      symlinks: [],
    };
  }

  // Read-only when asked, but only after the hierarchies' mount points are made in it.
  const tmpfs = mount('tmpfs', destination, 'tmpfs', MS_NOEXEC_NOSUID_NODEV, 'mode=755', 0, options.propagation);
  tmpfs.readonlyAfterSetup = (options.flags & MS_RDONLY) !== 0;
  const mounts: PlanMount[] = [tmpfs];
  for (const h of layout.mounts) {
    const at = path.posix.join(destination, h.subdir);
    if (cgroupNamespace) {
      const flags = MS_NOEXEC_NOSUID_NODEV | (options.flags & MS_RDONLY);
      mounts.push(mount(cgroupSource(h), at, 'cgroup', flags, h.controllers.join(','), 0, []));
    } else {
      const bindOptions = { ...options, flags: options.flags | MS_BIND | MS_REC };
      mounts.push(mount(h.hostPath, at, '', MS_BIND | MS_REC, '', bindRemountFlags(bindOptions), options.propagation));
    }
  }
  return { mounts, symlinks: cgroupSymlinks(destination, layout) };
}

/** runc mounts the named systemd hierarchy with source "systemd", the others "cgroup". */
function cgroupSource(h: CgroupHierarchy): string {
  return h.controllers.includes('name=systemd') ? 'systemd' : 'cgroup';
}

/**
 * runc's co-mount links: for each subdir with a comma ("cpu,cpuacct"), one relative link
 * per controller name ("cpu" -> "cpu,cpuacct"), plus the layout's extra links.
 */
export function cgroupV1Symlinks(mounts: readonly CgroupHierarchy[]): Array<{ link: string; target: string }> {
  const links: Array<{ link: string; target: string }> = [];
  for (const h of mounts) {
    if (!h.subdir.includes(',')) continue;
    for (const name of h.subdir.split(',')) links.push({ link: name, target: h.subdir });
  }
  return links;
}

function cgroupSymlinks(destination: string, layout: CgroupLayout): PlanSymlink[] {
  const seen = new Set<string>();
  const result: PlanSymlink[] = [];
  for (const l of [...cgroupV1Symlinks(layout.mounts), ...layout.symlinks]) {
    const link = path.posix.join(destination, l.link);
    if (seen.has(link)) continue;
    seen.add(link);
    result.push({ link, target: l.target });
  }
  return result;
}

function mount(
  source: string, destination: string, fstype: string, flags: number, data: string,
  remountFlags: number, propagation: number[],
): PlanMount {
  return {
    source, destination, fstype, flags, data, remountFlags, propagation: [...propagation], createAs: 'dir', noSymlinks: false,
    readonlyAfterSetup: false,
  };
}
