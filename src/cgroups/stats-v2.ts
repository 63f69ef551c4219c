import type { CgroupIo } from './cgroup-io';
import { hugePageSizes } from './host-info';
import { blkioEntry, MAX_UINT64, memoryEntry, readKeyValues, readText, readUint } from './stats-read';
import { type BlkioEntry, type CgroupStats, emptyStats, setNonZero } from './stats-types';

/** Statistics of a v2 container cgroup, read as runc's fs2 driver reads them. */
export function readStatsV2(dir: string, io: CgroupIo, sizes = hugePageSizes()): CgroupStats {
  const s = emptyStats();

  const current = readUint(io, dir, 'pids.current');
  if (current !== undefined) {
    setNonZero(s.pids, 'current', current);
    const max = readUint(io, dir, 'pids.max');
    setNonZero(s.pids, 'limit', max === MAX_UINT64 ? 0n : max);
  } else {
    const procs = readText(io, dir, 'cgroup.procs') ?? '';
    setNonZero(s.pids, 'current', BigInt(procs.split('\n').filter((l) => l.trim()).length));
  }

  const raw = readKeyValues(io, dir, 'memory.stat');
  if (raw) {
    const usage = readUint(io, dir, 'memory.current') ?? 0n;
    const limit = readUint(io, dir, 'memory.max') ?? 0n;
    const swapUsage = readUint(io, dir, 'memory.swap.current') ?? 0n;
    const swapLimit = readUint(io, dir, 'memory.swap.max') ?? 0n;
    const memory = {} as CgroupStats['memory'];
    setNonZero(memory, 'cache', raw.get('file'));
    memory.usage = memoryEntry(limit, usage, readUint(io, dir, 'memory.peak') ?? 0n, 0n);
    const swapTotalLimit = swapLimit === MAX_UINT64 || limit === MAX_UINT64 ? MAX_UINT64 : swapLimit + limit;
    memory.swap = memoryEntry(swapLimit === MAX_UINT64 ? MAX_UINT64 : swapTotalLimit, swapUsage + usage, 0n, 0n);
    memory.kernel = { limit: 0n, failcnt: 0n };
    memory.kernelTCP = { limit: 0n, failcnt: 0n };
    setNonZero(memory, 'raw', Object.fromEntries([...raw].sort(([a], [b]) => (a < b ? -1 : 1))));
    s.memory = memory;
  }

  const ioStat = readText(io, dir, 'io.stat');
  if (ioStat !== undefined) s.blkio = parseIoStat(ioStat);

  const cpu = readKeyValues(io, dir, 'cpu.stat');
  if (cpu) {
    const usage = {} as CgroupStats['cpu']['usage'];
    setNonZero(usage, 'total', (cpu.get('usage_usec') ?? 0n) * 1000n);
    usage.kernel = (cpu.get('system_usec') ?? 0n) * 1000n;
    usage.user = (cpu.get('user_usec') ?? 0n) * 1000n;
    s.cpu.usage = usage;
    setNonZero(s.cpu.throttling, 'periods', cpu.get('nr_periods'));
    setNonZero(s.cpu.throttling, 'throttledPeriods', cpu.get('nr_throttled'));
    setNonZero(s.cpu.throttling, 'throttledTime', (cpu.get('throttled_usec') ?? 0n) * 1000n);
  }

  s.hugetlb = readHugetlbV2(io, dir, sizes);
  return s;
}

export function readHugetlbV2(io: CgroupIo, dir: string, sizes: readonly string[]): CgroupStats['hugetlb'] {
  const out: CgroupStats['hugetlb'] = {};
  for (const size of sizes) {
    const usage = readUint(io, dir, `hugetlb.${size}.rsvd.current`) ?? readUint(io, dir, `hugetlb.${size}.current`);
    if (usage === undefined) continue;
    const e = {} as CgroupStats['hugetlb'][string];
    setNonZero(e, 'usage', usage);
    e.failcnt = readKeyValues(io, dir, `hugetlb.${size}.events`)?.get('max') ?? 0n;
    out[size] = e;
  }
  return out;
}

/** io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device. */
export function parseIoStat(text: string): CgroupStats['blkio'] {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const [dev, ...items] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    for (const item of items) {
      const [k, v] = item.split('=');
      if (!/^\d+$/.test(v ?? '')) continue;
      const target = k === 'rbytes' || k === 'wbytes' ? bytes : k === 'rios' || k === 'wios' ? ios : undefined;
      if (!target) continue;
      target.push(blkioEntry(BigInt(m[1]), BigInt(m[2]), k.startsWith('r') ? 'Read' : 'Write', BigInt(v)));
    }
  }
  const out: CgroupStats['blkio'] = {};
  if (bytes.length) out.ioServiceBytesRecursive = bytes;
  if (ios.length) out.ioServicedRecursive = ios;
  return out;
}
