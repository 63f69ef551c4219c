import * as fs from 'node:fs';
import type { Spec } from '../spec/types';
import { bindSourcePaths } from './mounts';
import type { CgroupLayout, HostFacts } from './plan-options';

/**
 * The file system work compilePlan needs done: the kind of each bind mount source
 * (stat, following symlinks as runc does; a dangling link is missing), whether
 * /proc/kcore exists, and the kernel's last capability. The cgroup layout comes from
 * the cgroup driver.
 */
export function gatherHostFacts(spec: Spec, bundle: string, cgroupLayout: CgroupLayout): HostFacts {
  const sourceKinds: Record<string, 'dir' | 'file'> = {};
  for (const source of bindSourcePaths(spec.mounts, bundle)) {
    const st = statOrNull(source);
    if (st) sourceKinds[source] = st.isDirectory() ? 'dir' : 'file';
  }
  const facts: HostFacts = {
    sourceKinds,
    hasKcore: statOrNull('/proc/kcore') !== null,
    cgroup: cgroupLayout,
  };
  const capLastCap = readCapLastCap();
  if (capLastCap !== undefined) facts.capLastCap = capLastCap;
  return facts;
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

function readCapLastCap(): number | undefined {
  try {
    const n = Number.parseInt(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim(), 10);
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
