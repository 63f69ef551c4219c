import { OcirtError } from '../native/error';
import { parseIdList } from '../spec/cpu-list';
import type { LinuxResources } from '../spec/types-resources';
import { isUnsetSentinel } from './cgroup-write';
import { type HostCgroupInfo, parseIdSet } from './host-info';

/**
 * Checks of linux.resources that need no cgroup to exist: values the kernel would
 * refuse (or take as something else), CPUs and memory nodes the host does not have,
 * huge page sizes it does not support. The first problem is thrown, named by its JSON
 * pointer under `at` ("/linux/resources" for config.json, "" for `update`'s input), so
 * that nothing is created or changed for bad input.
 */
export function checkResources(res: LinuxResources, at: string, host: HostCgroupInfo): void {
  const fail = (pointer: string, reason: string): never => {
    throw new OcirtError(`${at}${pointer}: ${reason}`);
  };
  const atLeastMinusOne = (pointer: string, v: number | undefined, what: string) => {
    if (v !== undefined && v < -1) fail(pointer, `${what} must be -1 (unlimited), 0 (unset) or positive, got ${v}`);
  };

  const mem = res.memory;
  if (mem) {
    for (const key of ['limit', 'reservation', 'swap', 'kernel', 'kernelTCP'] as const) {
      atLeastMinusOne(`/memory/${key}`, mem[key], 'a memory limit');
    }
    if (mem.limit !== undefined && mem.swap !== undefined && mem.limit > 0 && mem.swap > 0 && mem.swap < mem.limit) {
      fail('/memory/swap', `is memory+swap and must be >= limit (${mem.limit}), or -1 for unlimited`);
    }
    if (mem.swappiness !== undefined && mem.swappiness > 100 && !isUnsetSentinel(mem.swappiness)) {
      fail('/memory/swappiness', `must be in 0..100, got ${mem.swappiness}`);
    }
  }

  const cpu = res.cpu;
  if (cpu) {
    atLeastMinusOne('/cpu/quota', cpu.quota, 'a CPU quota');
    atLeastMinusOne('/cpu/realtimeRuntime', cpu.realtimeRuntime, 'a realtime runtime');
    if (cpu.idle !== undefined && cpu.idle !== 0 && cpu.idle !== 1) fail('/cpu/idle', `must be 0 or 1, got ${cpu.idle}`);
    if (cpu.period !== undefined && cpu.period !== 0 && (cpu.period < 1000 || cpu.period > 1000000)) {
      fail('/cpu/period', `must be between 1000 and 1000000 microseconds, got ${cpu.period}`);
    }
    checkIdList('/cpu/cpus', cpu.cpus, host.cpus, 'CPU', fail);
    checkIdList('/cpu/mems', cpu.mems, host.mems, 'memory node', fail);
  }

  if (res.pids) atLeastMinusOne('/pids/limit', res.pids.limit, 'a pids limit');

  const bio = res.blockIO;
  if (bio) {
    checkWeight('/blockIO/weight', bio.weight, fail);
    checkWeight('/blockIO/leafWeight', bio.leafWeight, fail);
    bio.weightDevice?.forEach((d, i) => {
      checkDevice(`/blockIO/weightDevice/${i}`, d, fail);
      checkWeight(`/blockIO/weightDevice/${i}/weight`, d.weight, fail);
      checkWeight(`/blockIO/weightDevice/${i}/leafWeight`, d.leafWeight, fail);
    });
    for (const key of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const) {
      bio[key]?.forEach((d, i) => checkDevice(`/blockIO/${key}/${i}`, d, fail));
    }
  }

  res.devices?.forEach((d, i) => {
    for (const key of ['major', 'minor'] as const) {
      const v = d[key];
      if (v !== undefined && (v < -1 || v > 0xffffffff)) fail(`/devices/${i}/${key}`, `must be -1 (any) or 0..4294967295, got ${v}`);
    }
  });

  res.hugepageLimits?.forEach((h, i) => {
    if (host.hugePageSizes.length > 0 && !host.hugePageSizes.includes(h.pageSize)) {
      fail(`/hugepageLimits/${i}/pageSize`, `${JSON.stringify(h.pageSize)} is not a huge page size of this host (it has ${host.hugePageSizes.join(', ')})`);
    }
  });

  for (const key of Object.keys(res.unified ?? {})) {
    const where = `/unified/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (key.includes('/') || key === '.' || key === '..') fail(where, 'must be a file name of the cgroup directory (no "/")');
    if (!/^[a-z_]+\.[A-Za-z0-9_.]+$/.test(key)) fail(where, 'must look like CONTROLLER.FILE (e.g. "memory.high")');
  }
}

function checkIdList(
  pointer: string,
  list: string | undefined,
  host: ReadonlySet<number>,
  what: string,
  fail: (p: string, r: string) => never,
): void {
  if (list === undefined || list.trim() === '') return;
  const parsed = parseIdList(list);
  if ('error' in parsed) fail(pointer, `is not a list like 0-3,7: ${parsed.error}`);
  if (host.size === 0) return;
  for (const id of parseIdSet(list)) {
    if (!host.has(id)) fail(pointer, `${what} ${id} is not on this host (it has ${describeIds(host)})`);
  }
}

/** {0,1,2,5} → "0-2,5". */
export function describeIds(ids: ReadonlySet<number>): string {
  const sorted = [...ids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function checkWeight(pointer: string, w: number | undefined, fail: (p: string, r: string) => never): void {
  if (w !== undefined && w !== 0 && (w < 10 || w > 1000)) fail(pointer, `must be between 10 and 1000, got ${w}`);
}

function checkDevice(pointer: string, d: { major: number; minor: number }, fail: (p: string, r: string) => never): void {
  for (const key of ['major', 'minor'] as const) {
    if (d[key] < 0 || d[key] > 0xffffffff) fail(`${pointer}/${key}`, `must be a device number 0..4294967295, got ${d[key]}`);
  }
}
