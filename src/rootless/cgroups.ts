import * as path from 'node:path';
import { CgroupfsV1 } from '../cgroups/cgroupfs-v1';
import { CgroupfsV2 } from '../cgroups/cgroupfs-v2';
import { callerCgroups } from '../cgroups/container-paths';
import type { CgroupDriver } from '../cgroups/driver';
import { type HostHierarchy, hostHierarchies } from '../cgroups/host-hierarchies';
import { OcirtError } from '../native/error';
import type { CgroupLayout } from '../plan/plan-options';
import type { LinuxResources } from '../spec/types-resources';
import { canUseCgroupDir } from './cgroup-access';
import { neededControllers, withoutDeviceRules } from './cgroup-controllers';
import type { RootlessMode } from './mode';
import { callerLayout, skippedCgroups } from './skipped-cgroups';

export interface RootlessCgroupChoice {
  driver: CgroupDriver;
  /** linux.resources to apply: without the device rules, which no unprivileged user may write. */
  resources: LinuxResources | undefined;
  /** What was skipped and how to get cgroups, for a warning; absent when nothing was. */
  note?: string;
}

export interface RootlessCgroupOptions {
  hierarchies?: HostHierarchy[];
  caller?: Map<string, string>;
  /** The config names linux.cgroupsPath (else the container id is used). */
  explicitPath?: boolean;
}

/**
 * Rootless cgroups (--rootless, auto for a non-root caller), as runc's rootless
 * managers: the cgroups the caller can write (a delegated directory, given as
 * linux.cgroupsPath or containing the caller) are used; the others are skipped with a
 * note, and the container stays in the caller's cgroup there. A resource limit that
 * needs a skipped cgroup is refused, naming what to delegate.
 */
export function rootlessCgroups(
  driver: CgroupDriver,
  resources: LinuxResources | undefined,
  mode: RootlessMode,
  opts: RootlessCgroupOptions = {},
): RootlessCgroupChoice {
  const hierarchies = opts.hierarchies ?? hostHierarchies();
  const caller = opts.caller ?? callerCgroups();
  // The host's root (--rootless=true) can write everything: nothing to skip.
  if (mode.hostRoot) return { driver, resources };
  const applied = withoutDeviceRules(resources);
  if (driver.kind !== 'cgroupfs-v1' && driver.kind !== 'cgroupfs-v2') return { driver, resources: applied };

  const v2 = hierarchies.find((h) => h.version === 2);
  const ownV2 = v2 ? path.join(v2.mountPoint, caller.get('') ?? '/') : undefined;
  const usable: Record<string, string> = {};
  const skipped: Record<string, string> = {};
  for (const [key, dir] of Object.entries(driver.paths)) {
    // Device rules are never the user's to write: the v1 devices hierarchy is left out.
    if (key.split(',').includes('devices')) continue;
    if (canUseCgroupDir(dir, key === 'unified' ? ownV2 : undefined)) usable[key] = dir;
    else skipped[key] = dir;
  }
  const skippedKeys = Object.keys(skipped);
  if (driver instanceof CgroupfsV2) {
    // A delegated v2 cgroup, without the device program only privileged users may load.
    if (skippedKeys.length === 0) return { driver: new CgroupfsV2(driver.dir, driver.mountPoint, { loadDevicePrograms: () => undefined }), resources: applied };
  }

  for (const need of neededControllers(applied)) {
    const key = driver.kind === 'cgroupfs-v2' ? 'unified' : hierarchyKeyOf(need.controller, driver.paths);
    if (skipped[key] !== undefined) {
      throw new OcirtError(
        `${need.at}: needs the ${need.controller} cgroup, and ${who(mode)} cannot create ${skipped[key]}: a rootless container gets limits only in a cgroup delegated to its user: have root make a cgroup directory owned by the user (or run under systemd with Delegate=yes) and give it as /linux/cgroupsPath, or remove the limit`,
        { stage: 'rootless' },
      );
    }
  }

  const own = callerLayout(hierarchies, caller);
  if (Object.keys(usable).length === 0) {
    const first = Object.values(skipped)[0];
    const more = skippedKeys.length > 1 ? ` (and ${skippedKeys.length - 1} more)` : '';
    // An engine running as root of its user namespace (rootless podman) has already
    // decided about cgroups and said so; as runc, no note for it unless a path was asked.
    if (!mode.euid && !opts.explicitPath) return { driver: skippedCgroups(own), resources: applied };
    return {
      driver: skippedCgroups(own),
      resources: applied,
      note: `cgroups skipped (rootless): ${who(mode)} cannot create ${first}${more}, no cgroup is delegated to it; the container stays in the caller's cgroups, without limits, and cannot be paused or updated. To use cgroups, have root delegate one: a directory owned by the user in each hierarchy, given as /linux/cgroupsPath`,
    };
  }
  return {
    driver: new PartialCgroupfsV1(usable, hierarchies, own),
    resources: applied,
    ...(skippedKeys.length > 0
      ? { note: `cgroup hierarchies skipped (rootless): ${skippedKeys.join(', ')}: ${who(mode)} cannot create ${Object.values(skipped).join(', ')}; the container uses ${Object.keys(usable).join(', ')} only` }
      : {}),
  };
}

/** The v1 driver's key of the hierarchy holding a controller; "unified" for v2-only ones. */
function hierarchyKeyOf(controller: string, paths: Readonly<Record<string, string>>): string {
  if (controller === 'unified') return 'unified';
  return Object.keys(paths).find((k) => k !== 'unified' && k.split(',').includes(controller)) ?? 'unified';
}

function who(mode: RootlessMode): string {
  return mode.euid ? `uid ${mode.uid} (${mode.userName})` : 'root of this user namespace';
}

/**
 * A v1 container in the hierarchies delegated to the user only. Its cgroup mount shows
 * the caller's own cgroups for the others, where the container's processes are.
 */
class PartialCgroupfsV1 extends CgroupfsV1 {
  constructor(
    paths: Record<string, string>,
    hierarchies: HostHierarchy[],
    private readonly callerCgroupLayout: CgroupLayout,
  ) {
    super(paths, { hierarchies, deviceRules: false });
  }

  override layout(): CgroupLayout {
    const own = super.layout();
    const have = new Set(own.mounts.map((m) => m.subdir));
    const rest = this.callerCgroupLayout.mounts.filter((m) => !have.has(m.subdir));
    return { ...own, mounts: [...own.mounts, ...rest] };
  }
}
