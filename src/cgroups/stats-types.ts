/**
 * The statistics `events` prints, in runc's JSON shape (types/events.go of runc 1.1,
 * Go's `omitempty` rules: optional fields below are left out when zero or empty).
 * Counters are bigint: cgroup files hold unsigned 64-bit values ("max" memory is
 * 2^64-1), which a JS number cannot carry exactly.
 */
export interface CgroupStats {
  cpu: {
    usage: { total?: bigint; percpu?: bigint[]; percpu_kernel?: bigint[]; percpu_user?: bigint[]; kernel: bigint; user: bigint };
    throttling: { periods?: bigint; throttledPeriods?: bigint; throttledTime?: bigint };
  };
  cpuset: CpusetStats;
  memory: {
    cache?: bigint;
    usage: MemoryEntry;
    swap: MemoryEntry;
    kernel: MemoryEntry;
    kernelTCP: MemoryEntry;
    raw?: Record<string, bigint>;
  };
  pids: { current?: bigint; limit?: bigint };
  blkio: Partial<Record<BlkioKey, BlkioEntry[]>>;
  hugetlb: Record<string, { usage?: bigint; max?: bigint; failcnt: bigint }>;
  intel_rdt: Record<string, never>;
  network_interfaces: null;
}

export interface CpusetStats {
  cpus?: number[];
  cpu_exclusive: bigint;
  mems?: number[];
  mem_hardwall: bigint;
  mem_exclusive: bigint;
  memory_migrate: bigint;
  memory_spread_page: bigint;
  memory_spread_slab: bigint;
  memory_pressure: bigint;
  sched_load_balance: bigint;
  sched_relax_domain_level: bigint;
}

export interface MemoryEntry {
  limit: bigint;
  usage?: bigint;
  max?: bigint;
  failcnt: bigint;
}

export interface BlkioEntry {
  major?: bigint;
  minor?: bigint;
  op?: string;
  value?: bigint;
}

export type BlkioKey =
  | 'ioServiceBytesRecursive'
  | 'ioServicedRecursive'
  | 'ioQueueRecursive'
  | 'ioServiceTimeRecursive'
  | 'ioWaitTimeRecursive'
  | 'ioMergedRecursive'
  | 'ioTimeRecursive'
  | 'sectorsRecursive';

export function emptyStats(): CgroupStats {
  const zero = (): MemoryEntry => ({ limit: 0n, failcnt: 0n });
  return {
    cpu: { usage: { kernel: 0n, user: 0n }, throttling: {} },
    cpuset: {
      cpu_exclusive: 0n, mem_hardwall: 0n, mem_exclusive: 0n, memory_migrate: 0n, memory_spread_page: 0n,
      memory_spread_slab: 0n, memory_pressure: 0n, sched_load_balance: 0n, sched_relax_domain_level: 0n,
    },
    memory: { usage: zero(), swap: zero(), kernel: zero(), kernelTCP: zero() },
    pids: {},
    blkio: {},
    hugetlb: {},
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** Sets obj[key] = value unless value is Go's zero value for an omitempty field. */
export function setNonZero<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): void {
  if (value === undefined || value === 0n || value === '' || (Array.isArray(value) && value.length === 0)) return;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) return;
  obj[key] = value;
}

/** JSON text with bigints as plain integers (what encoding/json prints for uint64). */
export function encodeJson(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(encodeJson).join(',')}]`;
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${encodeJson(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return 'null';
}
