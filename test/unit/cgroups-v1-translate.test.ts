import { describe, expect, it } from 'vitest';
import type { CgroupWrite } from '../../src/cgroups/cgroup-write';
import type { HostCgroupInfo } from '../../src/cgroups/host-info';
import { translateV1 } from '../../src/cgroups/v1-translate';
import type { LinuxResources } from '../../src/spec/types-resources';

const HYBRID: HostCgroupInfo = {
  v1: new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids']),
  v2: new Set(['hugetlb']),
  cpus: new Set([0, 1]),
  mems: new Set([0]),
  hugePageSizes: ['2MB', '1GB'],
};
const FULL_V1: HostCgroupInfo = { ...HYBRID, v1: new Set([...HYBRID.v1, 'hugetlb', 'net_cls', 'net_prio', 'rdma']), v2: null };

const AT = '/linux/resources';
const brief = (ws: CgroupWrite[]) => ws.map((w) => `${w.controller}/${w.file}=${w.value}`);
const nonDevice = (r: LinuxResources, host = HYBRID) => translateV1(r, AT, host, { update: false }).writes.filter((w) => w.controller !== 'devices');

describe('translateV1', () => {
  it('memory: files, values and runc\'s order (limit, memsw, soft limit, kmem, oom, swappiness)', () => {
    const ws = nonDevice({ memory: { limit: 1 << 27, swap: 1 << 28, reservation: 1 << 26, kernelTCP: 1 << 25, disableOOMKiller: true, swappiness: 10 } });
    expect(brief(ws)).toEqual([
      'memory/memory.limit_in_bytes=134217728',
      'memory/memory.memsw.limit_in_bytes=268435456',
      'memory/memory.soft_limit_in_bytes=67108864',
      'memory/memory.kmem.tcp.limit_in_bytes=33554432',
      'memory/memory.oom_control=1',
      'memory/memory.swappiness=10',
    ]);
    // the memory limit may have to wait until memory+swap is raised
    expect(ws[0].retryLater).toBe(true);
    expect(ws[0].pointer).toBe('/linux/resources/memory/limit');
  });

  it('memory -1 with swap unset makes memory+swap unlimited too (skipped without swap accounting)', () => {
    const ws = nonDevice({ memory: { limit: -1 } });
    expect(brief(ws)).toEqual(['memory/memory.limit_in_bytes=-1', 'memory/memory.memsw.limit_in_bytes=-1']);
    expect(ws[1].ifMissing).toBe('skip');
  });

  it('zero means unset; huge values are written without exponent', () => {
    expect(nonDevice({ memory: { limit: 0, swap: 0, reservation: 0 } })).toEqual([]);
    expect(brief(nonDevice({ memory: { limit: 9223372036854775807 } }))).toEqual(['memory/memory.limit_in_bytes=9223372036854775808']);
  });

  it('kernel memory: written, with a warning when the kernel ignores or lacks it', () => {
    const [w] = nonDevice({ memory: { kernel: 1 << 26 } });
    expect(w.file).toBe('memory.kmem.limit_in_bytes');
    expect(w.check).toEqual({ ignoredWarn: expect.stringContaining('/linux/resources/memory/kernel: ignored') });
    expect(w.ifMissing).toEqual({ warn: expect.any(String) });
  });

  it('swappiness: Docker\'s unset value (2^64-1) writes nothing', () => {
    expect(nonDevice({ memory: { swappiness: 18446744073709551615 } })).toEqual([]);
  });

  it('cpu: shares checked back, period before quota but retried after it, rt period before runtime', () => {
    const ws = nonDevice({ cpu: { shares: 1024, period: 500000, quota: 200000, burst: 1000, idle: 0, realtimePeriod: 1000000, realtimeRuntime: 950000 } });
    expect(brief(ws)).toEqual([
      'cpu/cpu.shares=1024',
      'cpu/cpu.cfs_period_us=500000',
      'cpu/cpu.cfs_burst_us=1000',
      'cpu/cpu.cfs_quota_us=200000',
      'cpu/cpu.idle=0',
      'cpu/cpu.rt_period_us=1000000',
      'cpu/cpu.rt_runtime_us=950000',
    ]);
    expect(ws[0].check).toBe('cpu-shares');
    expect(ws[1].retryLater).toBe(true);
    expect(ws[5].retryLater).toBe(true);
    expect(nonDevice({ cpu: { period: 100000 } })[0].retryLater).toBe(false);
  });

  it('cpuset comes first (runc\'s subsystem order)', () => {
    const ws = nonDevice({ pids: { limit: 10 }, cpu: { cpus: '0-1', mems: '0', shares: 2 } });
    expect(brief(ws)).toEqual(['cpuset/cpuset.cpus=0-1', 'cpuset/cpuset.mems=0', 'cpu/cpu.shares=2', 'pids/pids.max=10']);
  });

  it('pids: -1 is max; 0 is a real limit, written as 1 as runc 1.4 does (systemd refuses 0)', () => {
    expect(brief(nonDevice({ pids: { limit: -1 } }))).toEqual(['pids/pids.max=max']);
    expect(brief(nonDevice({ pids: { limit: 0 } }))).toEqual(['pids/pids.max=1']);
    expect(nonDevice({})).toEqual([]);
  });

  it('blkio: BFQ file names as a fallback, one write per device line', () => {
    const ws = nonDevice({
      blockIO: {
        weight: 500,
        weightDevice: [{ major: 8, minor: 0, weight: 300, leafWeight: 200 }],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
        throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 100 }],
      },
    });
    expect(brief(ws)).toEqual([
      'blkio/blkio.weight=500',
      'blkio/blkio.weight_device=8:0 300',
      'blkio/blkio.leaf_weight_device=8:0 200',
      'blkio/blkio.throttle.read_bps_device=8:0 1048576',
      'blkio/blkio.throttle.write_iops_device=8:16 100',
    ]);
    expect(ws[0].ifMissing).toEqual({ file: 'blkio.bfq.weight', value: '500' });
    expect(ws[1].ifMissing).toEqual({ file: 'blkio.bfq.weight_device', value: '8:0 300' });
  });

  it('hugetlb: v1 files where v1 mounts it, the v2 directory of a hybrid host otherwise', () => {
    const r = { hugepageLimits: [{ pageSize: '2MB', limit: 2147483648 }] };
    expect(brief(nonDevice(r, FULL_V1))).toEqual(['hugetlb/hugetlb.2MB.limit_in_bytes=2147483648', 'hugetlb/hugetlb.2MB.rsvd.limit_in_bytes=2147483648']);
    const t = translateV1(r, AT, HYBRID, { update: false });
    expect(brief(t.writes.filter((w) => w.controller !== 'devices'))).toEqual(['unified/hugetlb.2MB.max=2147483648', 'unified/hugetlb.2MB.rsvd.max=2147483648']);
    expect(t.v2Controllers).toEqual(['hugetlb']);
  });

  it('network and rdma', () => {
    const ws = nonDevice({ network: { classID: 1048577, priorities: [{ name: 'eth0', priority: 500 }, { name: 'lo', priority: 1 }] }, rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 } } }, FULL_V1);
    expect(brief(ws)).toEqual([
      'net_cls/net_cls.classid=1048577',
      'net_prio/net_prio.ifpriomap=eth0 500',
      'net_prio/net_prio.ifpriomap=lo 1',
      'rdma/rdma.max=mlx5_1 hca_handle=3 hca_object=10000',
    ]);
  });

  it('a controller the host does not have is an error naming the field', () => {
    expect(() => nonDevice({ network: { classID: 1 } })).toThrow('/linux/resources/network/classID: needs the net_cls cgroup controller, which this host does not mount');
    expect(() => nonDevice({ rdma: { mlx: { hcaHandles: 1 } } })).toThrow('/linux/resources/rdma/mlx: needs the rdma cgroup controller');
    expect(() => nonDevice({ hugepageLimits: [{ pageSize: '2MB', limit: 1 }] }, { ...HYBRID, v2: null })).toThrow('/linux/resources/hugepageLimits/0: needs the hugetlb');
  });

  it('unified keys: on a hybrid host only for what its v2 tree offers', () => {
    const t = translateV1({ unified: { 'hugetlb.2MB.max': '1073741824', 'cgroup.max.descendants': '10' } }, AT, HYBRID, { update: false });
    expect(brief(t.writes.filter((w) => w.controller === 'unified'))).toEqual(['unified/hugetlb.2MB.max=1073741824', 'unified/cgroup.max.descendants=10']);
    expect(() => translateV1({ unified: { 'memory.high': '1G' } }, AT, HYBRID, { update: false })).toThrow(
      'invalid configuration: /linux/resources/unified/memory.high: the memory controller is mounted as cgroup v1 on this host, not in its cgroup v2 tree (available: hugetlb)',
    );
    expect(() => translateV1({ unified: { 'memory.high': '1G' } }, AT, FULL_V1, { update: false })).toThrow('invalid configuration: /linux/resources/unified: needs cgroup v2');
  });

  it('devices: deny all, the config\'s rules in order, then the default allowed devices', () => {
    const t = translateV1({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }, { allow: true, type: 'b', major: 8, access: 'r' }] }, AT, HYBRID, { update: false });
    const dev = t.writes.filter((w) => w.controller === 'devices').map((w) => `${w.file} ${w.value}`);
    expect(dev.slice(0, 4)).toEqual(['devices.deny a', 'devices.allow c 10:229 rwm', 'devices.allow b 8:* r', 'devices.allow c *:* m']);
    expect(dev).toContain('devices.allow c 136:* rwm');
    expect(dev).toHaveLength(3 + 11);
  });

  it('devices: a config without rules still starts from deny-all (as runc)', () => {
    const dev = translateV1({}, AT, HYBRID, { update: false }).writes.map((w) => `${w.file} ${w.value}`);
    expect(dev[0]).toBe('devices.deny a');
  });

  it('update: devices are left alone, pointers are relative to the input', () => {
    const t = translateV1({ devices: [{ allow: true, access: 'rwm' }], memory: { limit: 1 << 20 } }, '', HYBRID, { update: true });
    expect(t.writes.map((w) => w.controller)).toEqual(['memory']);
    expect(t.writes[0].pointer).toBe('/memory/limit');
    expect(t.warnings).toEqual(['/devices: device rules are not changed by update']);
  });
});
