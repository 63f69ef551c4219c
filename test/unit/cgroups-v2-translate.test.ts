import { describe, expect, it } from 'vitest';
import type { CgroupWrite } from '../../src/cgroups/cgroup-write';
import type { HostCgroupInfo } from '../../src/cgroups/host-info';
import { blkioWeightToIoWeight, sharesToWeight, swapToV2 } from '../../src/cgroups/v2-convert';
import { translateV2 } from '../../src/cgroups/v2-translate';
import type { LinuxResources } from '../../src/spec/types-resources';

const V2: HostCgroupInfo = {
  v1: new Set(),
  v2: new Set(['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc']),
  cpus: new Set([0, 1, 2, 3]),
  mems: new Set([0]),
  hugePageSizes: ['2MB', '1GB'],
};
const AT = '/linux/resources';
const files = (ws: CgroupWrite[]) => ws.map((w) => `${w.file}=${w.value}`);
const tr = (r: LinuxResources, current?: Record<string, string>) =>
  translateV2(r, AT, V2, { update: current !== undefined, current: current ? (f) => current[f] : undefined });

describe('cgroup v2 conversions (runc\'s formulas)', () => {
  it('cpu shares → cpu.weight', () => {
    expect(sharesToWeight(0)).toBe(0);
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(100);
    expect(sharesToWeight(512)).toBe(59);
    expect(sharesToWeight(2048)).toBe(174);
    expect(sharesToWeight(262144)).toBe(10000);
    expect(sharesToWeight(1 << 20)).toBe(10000);
  });

  it('blkio weight → io.weight', () => {
    expect(blkioWeightToIoWeight(10)).toBe(1);
    expect(blkioWeightToIoWeight(500)).toBe(4950);
    expect(blkioWeightToIoWeight(1000)).toBe(10000);
  });

  it('memory+swap → swap', () => {
    expect(swapToV2(0, -1, 'p')).toBe(-1);
    expect(swapToV2(-1, 100, 'p')).toBe(-1);
    expect(swapToV2(300, 100, 'p')).toBe(200);
    expect(swapToV2(100, 100, 'p')).toBe(0);
    expect(swapToV2(300, -1, 'p')).toBe(300);
    expect(() => swapToV2(300, 0, '/x')).toThrow('/x: a swap limit needs a memory limit');
    expect(() => swapToV2(50, 100, '/x')).toThrow('must be >= the memory limit');
  });
});

describe('translateV2', () => {
  it('pids: 0 is a real limit, written as 1 (runc 1.4); -1 is max', () => {
    expect(files(tr({ pids: { limit: 0 } }).writes)).toEqual(['pids.max=1']);
    expect(files(tr({ pids: { limit: -1 } }).writes)).toEqual(['pids.max=max']);
  });

  it('the order of runc\'s fs2: pids, memory, io, cpu, cpuset, hugetlb, rdma, unified', () => {
    const t = tr({
      unified: { 'memory.high': '50000000' },
      rdma: { mlx4_0: { hcaHandles: 2 } },
      hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
      cpu: { cpus: '0-3', mems: '0', shares: 1024, quota: 50000, period: 100000 },
      blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }] },
      memory: { limit: 100000000, swap: 200000000, reservation: 50000000 },
      pids: { limit: 64 },
    });
    expect(files(t.writes)).toEqual([
      'pids.max=64',
      'memory.swap.max=100000000',
      'memory.max=100000000',
      'memory.low=50000000',
      'io.bfq.weight=500',
      'io.max=8:0 rbps=1000',
      'cpu.weight=100',
      'cpu.max=50000 100000',
      'cpuset.cpus=0-3',
      'cpuset.mems=0',
      'hugetlb.2MB.max=4194304',
      'hugetlb.2MB.rsvd.max=4194304',
      'rdma.max=mlx4_0 hca_handle=2',
      'memory.high=50000000',
    ]);
    expect(t.writes.every((w) => w.controller === 'unified')).toBe(true);
    expect(t.writes[4].ifMissing).toEqual({ file: 'io.weight', value: '4950' });
    expect(new Set(t.v2Controllers)).toEqual(new Set(['pids', 'memory', 'io', 'cpu', 'cpuset', 'hugetlb', 'rdma']));
  });

  it('memory: -1 is max; swap equal to the limit means no swap', () => {
    expect(files(tr({ memory: { limit: -1 } }).writes)).toEqual(['memory.swap.max=max', 'memory.max=max']);
    const t = tr({ memory: { limit: 1000, swap: 1000 } });
    expect(files(t.writes)).toEqual(['memory.swap.max=0', 'memory.max=1000']);
    expect(t.writes[0].ifMissing).toBe('skip');
  });

  it('update of swap alone: relative to the memory limit in place', () => {
    expect(files(tr({ memory: { swap: 3000 } }, { 'memory.max': '1000' }).writes)).toEqual(['memory.swap.max=2000']);
    expect(() => tr({ memory: { swap: 3000 } })).toThrow('/linux/resources/memory/swap: a swap limit needs a memory limit');
  });

  it('cpu.max keeps the part not given (quota or period) from the cgroup', () => {
    expect(files(tr({ cpu: { period: 50000 } }).writes)).toEqual(['cpu.max=max 50000']);
    expect(files(tr({ cpu: { quota: -1 } }).writes)).toEqual(['cpu.max=max 100000']);
    expect(files(tr({ cpu: { quota: 20000 } }, { 'cpu.max': 'max 250000' }).writes)).toEqual(['cpu.max=20000 250000']);
    expect(files(tr({ cpu: { period: 200000 } }, { 'cpu.max': '30000 100000' }).writes)).toEqual(['cpu.max=30000 200000']);
  });

  it('cpu burst before cpu.max, retried after it', () => {
    const t = tr({ cpu: { burst: 1000, quota: 10000 } });
    expect(files(t.writes)).toEqual(['cpu.max.burst=1000', 'cpu.max=10000 100000']);
    expect(t.writes[0].retryLater).toBe(true);
  });

  it('settings v2 has no file for are ignored with a warning naming the field (runc accepts them); realtime is an error', () => {
    const t = tr({
      memory: { swappiness: 10, disableOOMKiller: true, useHierarchy: false, limit: 1 << 20 },
      blockIO: { leafWeight: 10, weightDevice: [{ major: 8, minor: 0, leafWeight: 20 }] },
      network: { classID: 1 },
    });
    expect(files(t.writes)).toEqual(['memory.max=1048576']);
    expect(t.warnings).toEqual([
      '/linux/resources/memory/swappiness: ignored: cgroup v2 has no swappiness',
      '/linux/resources/memory/disableOOMKiller: ignored: cgroup v2 has no switch to disable the OOM killer',
      '/linux/resources/memory/useHierarchy: ignored: cgroup v2 has no switch to turn off hierarchical accounting',
      '/linux/resources/blockIO/leafWeight: ignored: cgroup v2 has no leaf weight',
      '/linux/resources/blockIO/weightDevice/0/leafWeight: ignored: cgroup v2 has no leaf weight',
      '/linux/resources/network: ignored: cgroup v2 has no network class or priority (net_cls, net_prio)',
    ]);
    expect(() => tr({ cpu: { realtimeRuntime: 950000 } })).toThrow('/linux/resources/cpu/realtimeRuntime: a realtime runtime is not supported on cgroup v2');
  });

  it('deprecated kernel memory limits are ignored with a warning; harmless values pass', () => {
    const t = tr({ memory: { kernel: 1000, kernelTCP: 1000, useHierarchy: true, swappiness: 18446744073709551615, disableOOMKiller: false } });
    expect(t.writes).toEqual([]);
    expect(t.warnings).toEqual([
      '/linux/resources/memory/kernel: ignored: cgroup v2 has no kernel memory limit',
      '/linux/resources/memory/kernelTCP: ignored: cgroup v2 has no kernel TCP memory limit',
    ]);
  });

  it('device rules go to the eBPF program (not on update)', () => {
    const t = tr({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }] });
    expect(t.deviceRules?.[0]).toEqual({ allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' });
    expect(t.deviceRules?.[1]).toEqual({ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' });
    expect(tr({ devices: [] }, {}).deviceRules).toBeUndefined();
  });

  it('unified: one write per line; unknown or missing controllers and bad keys are errors', () => {
    expect(files(tr({ unified: { 'io.max': '8:0 rbps=1\n8:16 wbps=2\n' } }).writes)).toEqual(['io.max=8:0 rbps=1', 'io.max=8:16 wbps=2']);
    expect(() => tr({ unified: { 'memry.max': '1' } })).toThrow('/linux/resources/unified/memry.max: unknown cgroup controller "memry" (available: cpu, cpuset, hugetlb, io, memory, misc, pids, rdma)');
    expect(() => tr({ unified: { 'devices.allow': 'a' } })).toThrow('the devices controller is not available in the cgroup v2 tree of this host');
    expect(() => tr({ unified: { maxdepth: '1' } })).toThrow('must look like CONTROLLER.FILE');
    expect(() => tr({ unified: { '../memory.max': '1' } })).toThrow('/linux/resources/unified/..~1memory.max: must be a file name');
  });
});
