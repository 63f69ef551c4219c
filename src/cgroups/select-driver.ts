import type { RecordCgroup } from '../state/record';
import { CgroupfsV1 } from './cgroupfs-v1';
import { CgroupfsV2 } from './cgroupfs-v2';
import { callerCgroups, containerCgroupDir } from './container-paths';
import type { CgroupDriver } from './driver';
import { cgroupMode, type HostHierarchy, hostHierarchies } from './host-hierarchies';
import { NoOwnCgroup } from './no-own-cgroup';
import { callerLayout } from '../rootless/skipped-cgroups';
import { SystemdDriver } from './systemd-driver';
import { systemdPlacement } from './systemd-path';

export interface SelectOptions {
  hierarchies?: HostHierarchy[];
  /** The caller's own cgroups (/proc/self/cgroup), for relative paths. */
  caller?: Map<string, string>;
  /** --cgroup-manager (--systemd-cgroup: systemd); cgroupfs when absent. */
  manager?: CgroupManager;
  /** systemd: linux.cgroupsPath as config.json gives it ("slice:prefix:name"; absent: the default unit). */
  systemdPath?: string;
  /** systemd: the container id (the default unit is ocirt-<id>.scope). */
  containerId?: string;
  /** systemd: a rootless caller's own manager and user.slice. */
  rootless?: boolean;
  /** systemd: config.json's annotations (org.systemd.property.* are unit properties). */
  annotations?: Record<string, string>;
}

/** `--cgroup-manager`: the cgroupfs drivers, the systemd one, or no cgroups at all. */
export type CgroupManager = 'cgroupfs' | 'systemd' | 'disabled';

/**
 * The driver for a new container, chosen by what the host mounts: any v1 hierarchy
 * makes a v1 host (hybrid included), a lone cgroup2 mount a unified one.
 * cgroupsPath: linux.cgroupsPath, or the container id when the config has none
 * (relative: under the caller's cgroup, as runc).
 */
export function newCgroupDriver(cgroupsPath: string, opts: SelectOptions = {}): CgroupDriver {
  const hierarchies = opts.hierarchies ?? hostHierarchies();
  if (opts.manager === 'disabled') {
    const own = callerLayout(hierarchies, opts.caller ?? callerCgroups());
    return new NoOwnCgroup({ because: 'created with --cgroup-manager disabled', limitsIgnored: 'cgroups are disabled (--cgroup-manager disabled)' }, own);
  }
  if (opts.manager === 'systemd') {
    const placement = systemdPlacement(opts.systemdPath, opts.containerId ?? cgroupsPath, { rootless: opts.rootless });
    return SystemdDriver.forNew(placement, { hierarchies, rootless: opts.rootless, annotations: opts.annotations });
  }
  const caller = opts.caller ?? callerCgroups();
  const mode = cgroupMode(hierarchies);
  if (mode === 2) {
    const h = hierarchies.find((x) => x.version === 2)!;
    return new CgroupfsV2(containerCgroupDir(h, cgroupsPath, caller, true), h.mountPoint);
  }
  if (mode === 1) {
    const paths: Record<string, string> = {};
    for (const h of hierarchies) {
      paths[h.version === 2 ? 'unified' : h.controllers.join(',')] = containerCgroupDir(h, cgroupsPath, caller);
    }
    return new CgroupfsV1(paths, { hierarchies });
  }
  return new NoOwnCgroup({ because: 'this host has no cgroup filesystem', limitsIgnored: 'this host has no cgroup filesystem' });
}

/** Why an existing container recorded with driver "none" has no cgroup. */
const RECORDED_NONE = {
  because: 'it was created rootless without a delegated cgroup, with --cgroup-manager disabled, or on a host without a cgroup filesystem',
};

/** The driver of an existing container, from its state record. */
export function openCgroupDriver(rec: RecordCgroup): CgroupDriver {
  switch (rec.driver) {
    case 'cgroupfs-v1':
      return new CgroupfsV1(rec.paths);
    case 'cgroupfs-v2': {
      const dir = rec.paths.unified;
      const mount = hostHierarchies().find((h) => h.version === 2)?.mountPoint ?? '/sys/fs/cgroup';
      return new CgroupfsV2(dir, mount);
    }
    case 'systemd':
      // No path: the create failed before its unit existed, so there is nothing to stop.
      return Object.keys(rec.paths).length > 0 ? SystemdDriver.fromRecord(rec) : new NoOwnCgroup(RECORDED_NONE);
    default:
      return new NoOwnCgroup(RECORDED_NONE);
  }
}
