import * as fs from 'node:fs';

/** /sys/fs/cgroup is the cgroup v2 unified hierarchy (runc's IsCgroup2UnifiedMode). */
export function unifiedCgroupHost(): boolean {
  const CGROUP2_SUPER_MAGIC = 0x63677270;
  try {
    return fs.statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}
