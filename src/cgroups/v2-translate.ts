import { OcirtError } from '../native/error';
import type { LinuxResources } from '../spec/types-resources';
import { type CgroupWrite, formatInt, isUnsetSentinel, type Translation } from './cgroup-write';
import { containerDeviceRules } from './device-rules';
import type { HostCgroupInfo } from './host-info';
import { blockDeviceLine, controllerOfFile, pidsMax, rdmaLine } from './translate-common';
import { blkioWeightToIoWeight, sharesToWeight, swapToV2 } from './v2-convert';

export interface V2TranslateOptions {
  /** `update`: device rules are left alone (as runc). */
  update: boolean;
  /**
   * Reads a file of the container's cgroup as it is now, for settings the v2 kernel
   * takes in one file with values the caller may give only one of (cpu.max holds
   * quota and period; memory.swap.max depends on memory.max). Absent: a new cgroup.
   */
  current?: (file: string) => string | undefined;
}

/**
 * linux.resources → cgroup v2 writes, in runc's order (fs2.Set: pids, memory, io, cpu,
 * devices, cpuset, hugetlb, rdma, unified) with runc's conversions (shares → weight,
 * memory+swap → swap, blkio weight → io.weight). Settings cgroup v2 has no file for
 * (swappiness, disableOOMKiller, useHierarchy false, kernel memory, leaf weights,
 * net_cls/net_prio) are ignored with a warning, as runc ignores them (a config runc
 * accepts must be accepted); a realtime period or runtime, which would change how the
 * process may be scheduled, is an error.
 */
export function translateV2(res: LinuxResources, at: string, host: HostCgroupInfo, opts: V2TranslateOptions): Translation {
  const writes: CgroupWrite[] = [];
  const warnings: string[] = [];
  const controllers = new Set<string>();
  const w = (file: string, value: string, pointer: string, extra: Partial<CgroupWrite> = {}) => {
    controllers.add(controllerOfFile(file));
    writes.push({ controller: 'unified', file, value, pointer: `${at}${pointer}`, ...extra });
  };
  const unsupported = (pointer: string, what: string): never => {
    throw new OcirtError(`${at}${pointer}: ${what} is not supported on cgroup v2`);
  };
  const ignored = (pointer: string, what: string) => warnings.push(`${at}${pointer}: ignored: cgroup v2 has no ${what}`);
  const current = opts.current ?? (() => undefined);

  const pids = res.pids?.limit;
  if (pids !== undefined) w('pids.max', pidsMax(pids), '/pids/limit');

  const mem = res.memory;
  if (mem) {
    if (mem.swappiness !== undefined && !isUnsetSentinel(mem.swappiness)) ignored('/memory/swappiness', 'swappiness');
    if (mem.disableOOMKiller) ignored('/memory/disableOOMKiller', 'switch to disable the OOM killer');
    if (mem.useHierarchy === false) ignored('/memory/useHierarchy', 'switch to turn off hierarchical accounting');
    if (mem.kernel) warnings.push(`${at}/memory/kernel: ignored: cgroup v2 has no kernel memory limit`);
    if (mem.kernelTCP) warnings.push(`${at}/memory/kernelTCP: ignored: cgroup v2 has no kernel TCP memory limit`);
    const limit = mem.limit ?? 0;
    const swapGiven = mem.swap ?? 0;
    if (limit !== 0 || swapGiven !== 0) {
      // The memory limit the swap value is relative to: the new one, or the one in place.
      const effective = limit !== 0 ? limit : parseMax(current('memory.max'));
      const swap = swapToV2(swapGiven, effective, `${at}/memory/swap`);
      if (swap !== 0 || swapGiven > 0) {
        const value = swap === -1 ? 'max' : formatInt(swap);
        w('memory.swap.max', value, '/memory/swap', value === 'max' || value === '0' ? { ifMissing: 'skip' } : {});
      }
      if (limit !== 0) w('memory.max', limit === -1 ? 'max' : formatInt(limit), '/memory/limit');
    }
    if (mem.reservation) w('memory.low', mem.reservation === -1 ? 'max' : formatInt(mem.reservation), '/memory/reservation');
  }

  const bio = res.blockIO;
  if (bio) {
    if (bio.leafWeight) ignored('/blockIO/leafWeight', 'leaf weight');
    if (bio.weight) {
      const fallback = { file: 'io.weight', value: formatInt(blkioWeightToIoWeight(bio.weight)) };
      w('io.bfq.weight', formatInt(bio.weight), '/blockIO/weight', { ifMissing: fallback });
    }
    bio.weightDevice?.forEach((d, i) => {
      if (d.leafWeight) ignored(`/blockIO/weightDevice/${i}/leafWeight`, 'leaf weight');
      if (d.weight) w('io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`, `/blockIO/weightDevice/${i}/weight`, { list: true });
    });
    const throttles = [
      ['throttleReadBpsDevice', 'rbps'],
      ['throttleWriteBpsDevice', 'wbps'],
      ['throttleReadIOPSDevice', 'riops'],
      ['throttleWriteIOPSDevice', 'wiops'],
    ] as const;
    for (const [key, name] of throttles) {
      bio[key]?.forEach((d, i) => w('io.max', blockDeviceLine(d, name), `/blockIO/${key}/${i}`, { list: true }));
    }
  }

  const cpu = res.cpu;
  if (cpu) {
    if (cpu.realtimePeriod) unsupported('/cpu/realtimePeriod', 'a realtime period');
    if (cpu.realtimeRuntime) unsupported('/cpu/realtimeRuntime', 'a realtime runtime');
    if (cpu.idle !== undefined) w('cpu.idle', formatInt(cpu.idle), '/cpu/idle');
    if (cpu.shares) w('cpu.weight', formatInt(sharesToWeight(cpu.shares)), '/cpu/shares');
    const quotaSet = cpu.quota !== undefined && cpu.quota !== 0;
    const periodSet = cpu.period !== undefined && cpu.period !== 0;
    if (cpu.burst !== undefined) w('cpu.max.burst', formatInt(cpu.burst), '/cpu/burst', { retryLater: quotaSet });
    if (quotaSet || periodSet) {
      const [curQuota, curPeriod] = (current('cpu.max') ?? 'max 100000').trim().split(/\s+/);
      const quota = quotaSet ? (cpu.quota! > 0 ? formatInt(cpu.quota!) : 'max') : (curQuota ?? 'max');
      const period = periodSet ? formatInt(cpu.period!) : (curPeriod ?? '100000');
      w('cpu.max', `${quota} ${period}`, quotaSet ? '/cpu/quota' : '/cpu/period');
    }
  }

  let deviceRules: Translation['deviceRules'];
  if (!opts.update) deviceRules = containerDeviceRules(res.devices);
  else if (res.devices?.length) warnings.push(`${at}/devices: device rules are not changed by update`);

  if (cpu?.cpus) w('cpuset.cpus', cpu.cpus, '/cpu/cpus');
  if (cpu?.mems) w('cpuset.mems', cpu.mems, '/cpu/mems');

  res.hugepageLimits?.forEach((h, i) => {
    w(`hugetlb.${h.pageSize}.max`, formatInt(h.limit), `/hugepageLimits/${i}`);
    w(`hugetlb.${h.pageSize}.rsvd.max`, formatInt(h.limit), `/hugepageLimits/${i}`, { ifMissing: 'skip' });
  });

  for (const [device, limits] of Object.entries(res.rdma ?? {})) w('rdma.max', rdmaLine(device, limits), `/rdma/${device}`, { list: true });

  if (res.network && (res.network.classID || res.network.priorities?.length)) ignored('/network', 'network class or priority (net_cls, net_prio)');

  if (res.unified) {
    const u = unifiedKeyWrites(res.unified, at, host.v2 ?? new Set(), 'is not available in the cgroup v2 tree of this host');
    writes.push(...u.writes);
    for (const c of u.controllers) controllers.add(c);
  }

  for (const c of controllers) if (c === 'cgroup') controllers.delete(c);
  return { writes, warnings, deviceRules, v2Controllers: [...controllers] };
}

/**
 * linux.resources.unified: each key a file of the container's v2 directory, each line
 * of its value written separately (as runc). The key's controller must exist there.
 */
export function unifiedKeyWrites(
  unified: Record<string, string>,
  at: string,
  available: ReadonlySet<string>,
  missingReason: string,
): { writes: CgroupWrite[]; controllers: string[] } {
  const writes: CgroupWrite[] = [];
  const controllers = new Set<string>();
  for (const [key, value] of Object.entries(unified)) {
    const pointer = `${at}/unified/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (key.includes('/')) throw new OcirtError(`${pointer}: must be a file name of the cgroup directory (no "/")`);
    const controller = controllerOfFile(key);
    if (controller === key) throw new OcirtError(`${pointer}: must look like CONTROLLER.FILE (e.g. "memory.high")`);
    if (controller !== 'cgroup' && !available.has(controller)) {
      const known = KNOWN_V2_CONTROLLERS.has(controller);
      throw new OcirtError(
        `${pointer}: ${known ? `the ${controller} controller ${missingReason}` : `unknown cgroup controller "${controller}"`}` +
          ` (available: ${[...available].sort().join(', ') || 'none'})`,
      );
    }
    if (controller !== 'cgroup') controllers.add(controller);
    const lines = value.split('\n').filter((l) => l.trim() !== '');
    for (const line of lines) writes.push({ controller: 'unified', file: key, value: line, pointer, list: lines.length > 1 });
  }
  return { writes, controllers: [...controllers] };
}

const KNOWN_V2_CONTROLLERS = new Set(['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc', 'perf_event', 'freezer', 'devices', 'net_cls', 'net_prio']);

/** "max" or a number as read from memory.max; -1 for max, 0 when unknown. */
function parseMax(text: string | undefined): number {
  if (text === undefined) return 0;
  const t = text.trim();
  if (t === 'max') return -1;
  const n = Number(t);
  return Number.isFinite(n) ? n : 0;
}
