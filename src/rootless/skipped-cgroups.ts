import * as path from 'node:path';
import type { CgroupLayout } from '../plan/plan-options';
import { containerCgroupDir } from '../cgroups/container-paths';
import type { CgroupDriver } from '../cgroups/driver';
import type { HostHierarchy } from '../cgroups/host-hierarchies';
import { NoOwnCgroup } from '../cgroups/no-own-cgroup';

/**
 * The caller's own cgroups as a cgroup mount layout: where a rootless container without
 * a cgroup of its own really is. A cgroup mount binds these (read-only if asked; their
 * files stay the host's, not writable by the user).
 */
export function callerLayout(hierarchies: readonly HostHierarchy[], caller: Map<string, string>): CgroupLayout {
  const v1 = hierarchies.filter((h) => h.version === 1);
  if (v1.length > 0) {
    return {
      version: 1,
      mounts: v1.map((h) => ({ subdir: path.basename(h.mountPoint), hostPath: containerCgroupDir(h, '.', caller), controllers: h.controllers })),
      symlinks: [],
    };
  }
  const v2 = hierarchies.find((h) => h.version === 2);
  if (!v2) return { version: 0, mounts: [], symlinks: [] };
  return { version: 2, mounts: [{ subdir: '', hostPath: containerCgroupDir(v2, '.', caller), controllers: [] }], symlinks: [] };
}

/** A rootless container with no cgroup it may write: it stays in the caller's cgroups. */
export function skippedCgroups(own: CgroupLayout): CgroupDriver {
  return new NoOwnCgroup({ because: 'it is rootless and no cgroup is delegated to its user' }, own);
}
