import { isOcirtError, OcirtError } from '../native/error';
import type { LinuxResources } from '../spec/types-resources';
import { type CgroupWrite, formatInt, type Translation } from './cgroup-write';
import { v1DeviceWrites } from './device-rules';
import type { HostCgroupInfo } from './host-info';
import { blockDeviceLine, pidsMax, rdmaLine } from './translate-common';
import { unifiedKeyWrites } from './v2-translate';

export interface TranslateOptions {
  /** `update`: device rules are left alone (as runc: SkipDevices). */
  update: boolean;
}

/**
 * linux.resources → cgroup v1 writes, in runc's subsystem order (cpuset, devices,
 * memory, cpu, pids, blkio, hugetlb, net_cls, net_prio, rdma) and with runc's file
 * names and value conversions (libcontainer/cgroups/fs). On a hybrid host, what v1
 * does not mount but the v2 tree offers (hugetlb, rdma, linux.resources.unified) goes
 * to the container's v2 directory. A setting for a controller the host has nowhere is
 * an error naming the setting.
 */
export function translateV1(res: LinuxResources, at: string, host: HostCgroupInfo, opts: TranslateOptions): Translation {
  const writes: CgroupWrite[] = [];
  const warnings: string[] = [];
  const v2Controllers = new Set<string>();
  const need = (controller: string, pointer: string): void => {
    if (!host.v1.has(controller)) throw new OcirtError(`${at}${pointer}: needs the ${controller} cgroup controller, which this host does not mount`);
  };
  const w = (controller: string, file: string, value: string, pointer: string, extra: Partial<CgroupWrite> = {}) => {
    need(controller, pointer);
    writes.push({ controller, file, value, pointer: `${at}${pointer}`, ...extra });
  };

  const cpu = res.cpu;
  if (cpu?.cpus) w('cpuset', 'cpuset.cpus', cpu.cpus, '/cpu/cpus');
  if (cpu?.mems) w('cpuset', 'cpuset.mems', cpu.mems, '/cpu/mems');

  if (!opts.update) {
    need('devices', '/devices');
    writes.push(...v1DeviceWrites(res.devices, at));
  } else if (res.devices?.length) {
    warnings.push(`${at}/devices: device rules are not changed by update`);
  }

  const mem = res.memory;
  if (mem) {
    const limit = mem.limit ?? 0;
    let swap = mem.swap ?? 0;
    // runc: an unlimited memory with swap left unset makes memory+swap unlimited too.
    const swapFollows = limit === -1 && swap === 0;
    if (swapFollows) swap = -1;
    if (limit !== 0) w('memory', 'memory.limit_in_bytes', formatInt(limit), '/memory/limit', { retryLater: swap !== 0 });
    if (swap !== 0) {
      const ifMissing = swap === -1 ? ('skip' as const) : undefined;
      w('memory', 'memory.memsw.limit_in_bytes', formatInt(swap), swapFollows ? '/memory/limit' : '/memory/swap', ifMissing ? { ifMissing } : {});
    }
    if (mem.reservation) w('memory', 'memory.soft_limit_in_bytes', formatInt(mem.reservation), '/memory/reservation');
    if (mem.kernel) {
      const gone = `${at}/memory/kernel: ignored: this kernel no longer limits kernel memory`;
      w('memory', 'memory.kmem.limit_in_bytes', formatInt(mem.kernel), '/memory/kernel', { ifMissing: { warn: gone }, check: { ignoredWarn: gone } });
    }
    if (mem.kernelTCP) {
      const gone = `${at}/memory/kernelTCP: ignored: this kernel has no kernel TCP memory limit`;
      w('memory', 'memory.kmem.tcp.limit_in_bytes', formatInt(mem.kernelTCP), '/memory/kernelTCP', { ifMissing: { warn: gone }, check: { ignoredWarn: gone } });
    }
    if (mem.disableOOMKiller) w('memory', 'memory.oom_control', '1', '/memory/disableOOMKiller');
    if (mem.swappiness !== undefined && mem.swappiness <= 100) w('memory', 'memory.swappiness', formatInt(mem.swappiness), '/memory/swappiness');
    if (mem.useHierarchy !== undefined) {
      const ifInvalid = { warn: `${at}/memory/useHierarchy: ignored: this kernel always accounts memory hierarchically` };
      w('memory', 'memory.use_hierarchy', mem.useHierarchy ? '1' : '0', '/memory/useHierarchy', { ifInvalid, ifMissing: { warn: ifInvalid.warn } });
    }
  }

  if (cpu) {
    if (cpu.shares) w('cpu', 'cpu.shares', formatInt(cpu.shares), '/cpu/shares', { check: 'cpu-shares' });
    const quotaSet = cpu.quota !== undefined && cpu.quota !== 0;
    if (cpu.period) w('cpu', 'cpu.cfs_period_us', formatInt(cpu.period), '/cpu/period', { retryLater: quotaSet });
    if (cpu.burst !== undefined) w('cpu', 'cpu.cfs_burst_us', formatInt(cpu.burst), '/cpu/burst', { retryLater: quotaSet, ifMissing: 'skip' });
    if (quotaSet) w('cpu', 'cpu.cfs_quota_us', formatInt(cpu.quota!), '/cpu/quota');
    if (cpu.idle !== undefined) w('cpu', 'cpu.idle', formatInt(cpu.idle), '/cpu/idle');
    const runtimeSet = cpu.realtimeRuntime !== undefined && cpu.realtimeRuntime !== 0;
    if (cpu.realtimePeriod) w('cpu', 'cpu.rt_period_us', formatInt(cpu.realtimePeriod), '/cpu/realtimePeriod', { retryLater: runtimeSet });
    if (runtimeSet) w('cpu', 'cpu.rt_runtime_us', formatInt(cpu.realtimeRuntime!), '/cpu/realtimeRuntime');
  }

  const pids = res.pids?.limit;
  if (pids !== undefined) w('pids', 'pids.max', pidsMax(pids), '/pids/limit');

  const bio = res.blockIO;
  if (bio) {
    if (bio.weight) w('blkio', 'blkio.weight', formatInt(bio.weight), '/blockIO/weight', { ifMissing: { file: 'blkio.bfq.weight', value: formatInt(bio.weight) } });
    if (bio.leafWeight) w('blkio', 'blkio.leaf_weight', formatInt(bio.leafWeight), '/blockIO/leafWeight');
    bio.weightDevice?.forEach((d, i) => {
      if (d.weight) {
        const line = `${d.major}:${d.minor} ${d.weight}`;
        w('blkio', 'blkio.weight_device', line, `/blockIO/weightDevice/${i}/weight`, { list: true, ifMissing: { file: 'blkio.bfq.weight_device', value: line } });
      }
      if (d.leafWeight) w('blkio', 'blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`, `/blockIO/weightDevice/${i}/leafWeight`, { list: true });
    });
    const throttles = [
      ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
      ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
      ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
      ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
    ] as const;
    for (const [key, file] of throttles) {
      bio[key]?.forEach((d, i) => w('blkio', file, blockDeviceLine(d, ''), `/blockIO/${key}/${i}`, { list: true }));
    }
  }

  res.hugepageLimits?.forEach((h, i) => {
    const pointer = `/hugepageLimits/${i}`;
    const value = formatInt(h.limit);
    if (host.v1.has('hugetlb')) {
      w('hugetlb', `hugetlb.${h.pageSize}.limit_in_bytes`, value, pointer);
      w('hugetlb', `hugetlb.${h.pageSize}.rsvd.limit_in_bytes`, value, pointer, { ifMissing: 'skip' });
    } else if (host.v2?.has('hugetlb')) {
      v2Controllers.add('hugetlb');
      writes.push({ controller: 'unified', file: `hugetlb.${h.pageSize}.max`, value, pointer: `${at}${pointer}` });
      writes.push({ controller: 'unified', file: `hugetlb.${h.pageSize}.rsvd.max`, value, pointer: `${at}${pointer}`, ifMissing: 'skip' });
    } else {
      need('hugetlb', pointer);
    }
  });

  const net = res.network;
  if (net?.classID) w('net_cls', 'net_cls.classid', formatInt(net.classID), '/network/classID');
  net?.priorities?.forEach((p, i) => w('net_prio', 'net_prio.ifpriomap', `${p.name} ${p.priority}`, `/network/priorities/${i}`, { list: true }));

  for (const [device, limits] of Object.entries(res.rdma ?? {})) {
    const pointer = `/rdma/${device}`;
    const line = rdmaLine(device, limits);
    if (host.v1.has('rdma')) w('rdma', 'rdma.max', line, pointer, { list: true });
    else if (host.v2?.has('rdma')) {
      v2Controllers.add('rdma');
      writes.push({ controller: 'unified', file: 'rdma.max', value: line, pointer: `${at}${pointer}`, list: true });
    } else need('rdma', pointer);
  }

  if (res.unified && Object.keys(res.unified).length > 0) {
    // "invalid configuration" leads, as runc's refusal of unified on cgroup v1 (scripts grep for it).
    if (!host.v2) throw new OcirtError(`invalid configuration: ${at}/unified: needs cgroup v2, and this host mounts only cgroup v1`);
    let u: ReturnType<typeof unifiedKeyWrites>;
    try {
      u = unifiedKeyWrites(res.unified, at, host.v2, 'is mounted as cgroup v1 on this host, not in its cgroup v2 tree');
    } catch (err) {
      if (isOcirtError(err)) err.message = `invalid configuration: ${err.message}`;
      throw err;
    }
    writes.push(...u.writes);
    for (const c of u.controllers) v2Controllers.add(c);
  }

  return { writes, warnings, v2Controllers: [...v2Controllers] };
}
