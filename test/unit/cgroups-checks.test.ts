import { describe, expect, it } from 'vitest';
import type { HostCgroupInfo } from '../../src/cgroups/host-info';
import { pageSizeName, parseIdSet } from '../../src/cgroups/host-info';
import { checkResources, describeIds } from '../../src/cgroups/resource-checks';
import type { LinuxResources } from '../../src/spec/types-resources';

const HOST: HostCgroupInfo = {
  v1: new Set(['cpu', 'memory']),
  v2: null,
  cpus: new Set([0, 1]),
  mems: new Set([0]),
  hugePageSizes: ['2MB', '1GB'],
};
const check = (r: LinuxResources, at = '/linux/resources') => () => checkResources(r, at, HOST);

describe('checkResources', () => {
  it('accepts what runc accepts', () => {
    expect(check({
      memory: { limit: -1, swap: -1, reservation: 0, swappiness: 18446744073709551615 },
      cpu: { quota: -1, period: 100000, cpus: '0-1', mems: '0', idle: 1, shares: 1024 },
      pids: { limit: -1 },
      blockIO: { weight: 10, weightDevice: [{ major: 8, minor: 0, weight: 1000 }] },
      devices: [{ allow: true, major: -1, access: 'rwm' }],
      hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
      unified: { 'memory.high': 'max', 'cgroup.max.depth': '3' },
    })).not.toThrow();
  });

  it('a negative limit other than -1', () => {
    expect(check({ memory: { limit: -5 } })).toThrow('/linux/resources/memory/limit: a memory limit must be -1 (unlimited), 0 (unset) or positive, got -5');
    expect(check({ pids: { limit: -2 } })).toThrow('/linux/resources/pids/limit: a pids limit must be');
    expect(check({ cpu: { quota: -100 } }, '')).toThrow(/^\/cpu\/quota: a CPU quota must be/);
    expect(check({ devices: [{ allow: true, major: -3, access: 'r' }] })).toThrow('/linux/resources/devices/0/major: must be -1 (any)');
  });

  it('a cpuset outside the host\'s CPUs or memory nodes', () => {
    expect(check({ cpu: { cpus: '0-3' } })).toThrow('/linux/resources/cpu/cpus: CPU 2 is not on this host (it has 0-1)');
    expect(check({ cpu: { mems: '1' } })).toThrow('/linux/resources/cpu/mems: memory node 1 is not on this host (it has 0)');
    expect(check({ cpu: { cpus: '1-0' } })).toThrow('/linux/resources/cpu/cpus: is not a list like 0-3,7: range "1-0" is backwards');
  });

  it('swap below the memory limit, swappiness above 100', () => {
    expect(check({ memory: { limit: 200, swap: 100 } })).toThrow('/linux/resources/memory/swap: is memory+swap and must be >= limit (200)');
    expect(check({ memory: { swappiness: 101 } })).toThrow('/linux/resources/memory/swappiness: must be in 0..100, got 101');
  });

  it('weights, idle and CFS period ranges the kernel would refuse', () => {
    expect(check({ blockIO: { weight: 5 } })).toThrow('/linux/resources/blockIO/weight: must be between 10 and 1000, got 5');
    expect(check({ blockIO: { weightDevice: [{ major: 8, minor: 0, leafWeight: 2000 }] } })).toThrow('/linux/resources/blockIO/weightDevice/0/leafWeight');
    expect(check({ cpu: { idle: 2 } })).toThrow('/linux/resources/cpu/idle: must be 0 or 1, got 2');
    expect(check({ cpu: { period: 10 } })).toThrow('/linux/resources/cpu/period: must be between 1000 and 1000000 microseconds, got 10');
  });

  it('a huge page size the host does not have', () => {
    expect(check({ hugepageLimits: [{ pageSize: '3MB', limit: 1 }] })).toThrow('/linux/resources/hugepageLimits/0/pageSize: "3MB" is not a huge page size of this host (it has 2MB, 1GB)');
  });

  it('unified keys must be plain CONTROLLER.FILE names', () => {
    expect(check({ unified: { 'a/b': '1' } })).toThrow('/linux/resources/unified/a~1b: must be a file name');
    expect(check({ unified: { nodot: '1' } })).toThrow('/linux/resources/unified/nodot: must look like CONTROLLER.FILE');
  });
});

describe('host facts', () => {
  it('id lists and huge page names', () => {
    expect([...parseIdSet('0-2,5\n')]).toEqual([0, 1, 2, 5]);
    expect(describeIds(new Set([5, 0, 1, 2, 7, 8]))).toBe('0-2,5,7-8');
    expect(pageSizeName(2048 * 1024)).toBe('2MB');
    expect(pageSizeName(1048576 * 1024)).toBe('1GB');
    expect(pageSizeName(64 * 1024)).toBe('64KB');
  });
});
