import type { CgroupIo } from './cgroup-io';
import { hugePageSizes } from './host-info';
import { blkioEntry, MAX_UINT64, memoryEntry, parseIdArray, readKeyValues, readText, readUint } from './stats-read';
import { type BlkioEntry, type BlkioKey, type CgroupStats, emptyStats, setNonZero } from './stats-types';
import { readHugetlbV2 } from './stats-v2';

const NS_PER_TICK = 10_000_000n; // USER_HZ is 100 on Linux: 1e9 / 100

/**
 * Statistics of a v1 container cgroup, read as runc's fs driver reads them
 * (libcontainer/cgroups/fs/*.go GetStats). dirOf gives the container's directory in
 * the hierarchy holding a controller, or undefined.
 */
export function readStatsV1(dirOf: (controller: string) => string | undefined, io: CgroupIo, sizes = hugePageSizes()): CgroupStats {
  const s = emptyStats();
  const cpuacct = dirOf('cpuacct');
  if (cpuacct) {
    const stat = readKeyValues(io, cpuacct, 'cpuacct.stat');
    const modes = percpuModes(readText(io, cpuacct, 'cpuacct.usage_all'));
    s.cpu.usage = {} as CgroupStats['cpu']['usage'];
    setNonZero(s.cpu.usage, 'total', readUint(io, cpuacct, 'cpuacct.usage'));
    setNonZero(s.cpu.usage, 'percpu', (readText(io, cpuacct, 'cpuacct.usage_percpu') ?? '').split(/\s+/).filter(Boolean).map(BigInt));
    setNonZero(s.cpu.usage, 'percpu_kernel', modes.kernel);
    setNonZero(s.cpu.usage, 'percpu_user', modes.user);
    s.cpu.usage.kernel = (stat?.get('system') ?? 0n) * NS_PER_TICK;
    s.cpu.usage.user = (stat?.get('user') ?? 0n) * NS_PER_TICK;
  }
  const cpu = dirOf('cpu');
  if (cpu) {
    const st = readKeyValues(io, cpu, 'cpu.stat');
    setNonZero(s.cpu.throttling, 'periods', st?.get('nr_periods'));
    setNonZero(s.cpu.throttling, 'throttledPeriods', st?.get('nr_throttled'));
    setNonZero(s.cpu.throttling, 'throttledTime', st?.get('throttled_time'));
  }
  const cpuset = dirOf('cpuset');
  if (cpuset) {
    const n = (f: string) => readUint(io, cpuset, `cpuset.${f}`) ?? 0n;
    s.cpuset = {} as CgroupStats['cpuset'];
    setNonZero(s.cpuset, 'cpus', parseIdArray(readText(io, cpuset, 'cpuset.cpus')));
    s.cpuset.cpu_exclusive = n('cpu_exclusive');
    setNonZero(s.cpuset, 'mems', parseIdArray(readText(io, cpuset, 'cpuset.mems')));
    for (const f of ['mem_hardwall', 'mem_exclusive', 'memory_migrate', 'memory_spread_page', 'memory_spread_slab', 'memory_pressure', 'sched_load_balance', 'sched_relax_domain_level'] as const) {
      s.cpuset[f] = n(f);
    }
  }
  const memory = dirOf('memory');
  if (memory) {
    const raw = readKeyValues(io, memory, 'memory.stat') ?? new Map<string, bigint>();
    const entry = (prefix: string) =>
      memoryEntry(
        readUint(io, memory, `${prefix}.limit_in_bytes`) ?? 0n,
        readUint(io, memory, `${prefix}.usage_in_bytes`) ?? 0n,
        readUint(io, memory, `${prefix}.max_usage_in_bytes`) ?? 0n,
        readUint(io, memory, `${prefix}.failcnt`) ?? 0n,
      );
    s.memory = { usage: entry('memory'), swap: entry('memory.memsw'), kernel: entry('memory.kmem'), kernelTCP: entry('memory.kmem.tcp') };
    const ordered: typeof s.memory = {} as typeof s.memory;
    setNonZero(ordered, 'cache', raw.get('cache'));
    Object.assign(ordered, s.memory);
    setNonZero(ordered, 'raw', Object.fromEntries([...raw].sort(([a], [b]) => (a < b ? -1 : 1))));
    s.memory = ordered;
  }
  const pids = dirOf('pids');
  if (pids) {
    setNonZero(s.pids, 'current', readUint(io, pids, 'pids.current'));
    const max = readUint(io, pids, 'pids.max');
    setNonZero(s.pids, 'limit', max === MAX_UINT64 ? 0n : max);
  }
  const blkio = dirOf('blkio');
  if (blkio) s.blkio = readBlkioV1(io, blkio);
  const hugetlb = dirOf('hugetlb');
  if (hugetlb) {
    for (const size of sizes) {
      const rsvd = readUint(io, hugetlb, `hugetlb.${size}.rsvd.usage_in_bytes`) !== undefined ? '.rsvd' : '';
      const e = { failcnt: readUint(io, hugetlb, `hugetlb.${size}${rsvd}.failcnt`) ?? 0n } as CgroupStats['hugetlb'][string];
      const ordered = {} as typeof e;
      setNonZero(ordered, 'usage', readUint(io, hugetlb, `hugetlb.${size}${rsvd}.usage_in_bytes`));
      setNonZero(ordered, 'max', readUint(io, hugetlb, `hugetlb.${size}${rsvd}.max_usage_in_bytes`));
      ordered.failcnt = e.failcnt;
      s.hugetlb[size] = ordered;
    }
  } else {
    // A hybrid host whose hugetlb is in the v2 tree: ocirt puts the limits there.
    const unified = dirOf('unified');
    if (unified) s.hugetlb = readHugetlbV2(io, unified, sizes);
  }
  return s;
}

function percpuModes(text: string | undefined): { kernel: bigint[]; user: bigint[] } {
  const kernel: bigint[] = [];
  const user: bigint[] = [];
  const lines = (text ?? '').split('\n');
  if (!lines[0]?.startsWith('cpu user system')) return { kernel, user };
  for (const l of lines.slice(1)) {
    const f = l.trim().split(/\s+/);
    if (f.length < 3) continue;
    user.push(BigInt(f[1]));
    kernel.push(BigInt(f[2]));
  }
  return { kernel, user };
}

/** runc's order of preference: BFQ debug, BFQ, CFQ, throttle recursive, throttle. */
const BLKIO_GROUPS: ReadonlyArray<ReadonlyArray<[string, BlkioKey]>> = [
  [
    ['blkio.bfq.sectors_recursive', 'sectorsRecursive'],
    ['blkio.bfq.io_service_time_recursive', 'ioServiceTimeRecursive'],
    ['blkio.bfq.io_wait_time_recursive', 'ioWaitTimeRecursive'],
    ['blkio.bfq.io_merged_recursive', 'ioMergedRecursive'],
    ['blkio.bfq.io_queued_recursive', 'ioQueueRecursive'],
    ['blkio.bfq.time_recursive', 'ioTimeRecursive'],
    ['blkio.bfq.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.bfq.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.bfq.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.bfq.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.sectors_recursive', 'sectorsRecursive'],
    ['blkio.io_service_time_recursive', 'ioServiceTimeRecursive'],
    ['blkio.io_wait_time_recursive', 'ioWaitTimeRecursive'],
    ['blkio.io_merged_recursive', 'ioMergedRecursive'],
    ['blkio.io_queued_recursive', 'ioQueueRecursive'],
    ['blkio.time_recursive', 'ioTimeRecursive'],
    ['blkio.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.throttle.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.throttle.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.throttle.io_serviced', 'ioServicedRecursive'],
    ['blkio.throttle.io_service_bytes', 'ioServiceBytesRecursive'],
  ],
];

function readBlkioV1(io: CgroupIo, dir: string): CgroupStats['blkio'] {
  for (const group of BLKIO_GROUPS) {
    // A group is used when its first file exists (runc moves on to the next group otherwise).
    if (readText(io, dir, group[0][0]) === undefined) continue;
    const out: CgroupStats['blkio'] = {};
    for (const [file, key] of group) {
      const entries = parseBlkioFile(readText(io, dir, file) ?? '');
      if (entries.length > 0) out[key] = entries;
    }
    return out;
  }
  return {};
}

/** "8:0 Read 1282048" or "8:0 6792" lines; "Total N" lines skipped. */
export function parseBlkioFile(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/[\s:]+/).filter(Boolean);
    if (f.length < 3 || !/^\d+$/.test(f[0])) continue;
    const op = f.length === 4 ? f[2] : '';
    const value = f[f.length === 4 ? 3 : 2];
    if (!/^\d+$/.test(value)) continue;
    out.push(blkioEntry(BigInt(f[0]), BigInt(f[1]), op, BigInt(value)));
  }
  return out;
}
