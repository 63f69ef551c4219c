import * as fs from 'node:fs';

/** A cgroup filesystem mounted on the host. */
export interface HostHierarchy {
  version: 1 | 2;
  /** Mount point: /sys/fs/cgroup/memory, /sys/fs/cgroup/unified, /sys/fs/cgroup. */
  mountPoint: string;
  /** v1: controllers from the mount options ("cpu", "cpuacct", "name=systemd"). */
  controllers: string[];
  /** The hierarchy's root as mounted (field 4 of mountinfo), "/" on the host. */
  root: string;
}

const V1_CONTROLLERS = new Set([
  'cpuset', 'cpu', 'cpuacct', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio',
  'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc',
]);

/** Reads /proc/self/mountinfo: every cgroup and cgroup2 mount, first mount point wins. */
export function hostHierarchies(mountinfo = readMountinfo()): HostHierarchy[] {
  const seen = new Set<string>();
  const out: HostHierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mountPoint = unescapeMountinfo(left[4]);
    const controllers =
      fstype === 'cgroup2' ? [] : superOptions.split(',').filter((o) => V1_CONTROLLERS.has(o) || o.startsWith('name='));
    const key = fstype === 'cgroup2' ? 'cgroup2' : controllers.join(',');
    if (seen.has(key) || (fstype === 'cgroup' && controllers.length === 0)) continue;
    seen.add(key);
    out.push({ version: fstype === 'cgroup2' ? 2 : 1, mountPoint, controllers, root: unescapeMountinfo(left[3]) });
  }
  return out;
}

function readMountinfo(): string {
  try {
    return fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return '';
  }
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mode of the host: pure v2 (unified), v1 (legacy or hybrid), or no cgroups at all. */
export function cgroupMode(h: HostHierarchy[]): 0 | 1 | 2 {
  if (h.some((x) => x.version === 1)) return 1;
  return h.some((x) => x.version === 2) ? 2 : 0;
}
