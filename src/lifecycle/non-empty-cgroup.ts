import { cgroupPids } from '../cgroups/cgroupfs';
import type { CgroupDriver } from '../cgroups/driver';
import { OcirtError } from '../native/error';

/**
 * A container's cgroup that already holds processes (a cgroupsPath shared with another
 * container, or reused): runc 1.1 warns and goes on with the cgroupfs driver, and
 * refuses with systemd, which cannot add a process to an existing unit; runc 1.2
 * refuses both. ocirt does as 1.1 (scripts and runc's own 1.1 tests expect the
 * container to start), with the reason spelled out, since the container then shares
 * limits, pause, `kill --all` and delete's clean-up with those processes.
 */
export function checkCgroupEmpty(cgroups: CgroupDriver, warn?: (message: string) => void): void {
  if (cgroups.kind === 'none') return;
  const found = cgroupPids(cgroups.paths).length;
  if (found === 0) return;
  const what = `container's cgroup is not empty: ${found} process(es) found`;
  if (cgroups.kind === 'systemd') {
    throw new OcirtError(`${what} (the systemd driver cannot add a process to an existing unit)`);
  }
  warn?.(`${what}; they share the container's limits, and pause, kill --all and delete act on them too`);
}
