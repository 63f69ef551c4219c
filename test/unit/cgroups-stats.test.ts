import { describe, expect, it } from 'vitest';
import type { CgroupIo } from '../../src/cgroups/cgroup-io';
import { encodeJson } from '../../src/cgroups/stats-types';
import { parseBlkioFile, readStatsV1 } from '../../src/cgroups/stats-v1';
import { parseIoStat } from '../../src/cgroups/stats-v2';
import { eventLine } from '../../src/lifecycle/stats';

const files: Record<string, string> = {
  '/cpuacct/cpuacct.usage': '11767650\n',
  '/cpuacct/cpuacct.usage_percpu': '3277848 8489802 \n',
  '/cpuacct/cpuacct.usage_all': 'cpu user system\n0 0 0\n1 4000000 4000000\n',
  '/cpuacct/cpuacct.stat': 'user 2\nsystem 3\n',
  '/cpu/cpu.stat': 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n',
  '/cpuset/cpuset.cpus': '0-1\n',
  '/cpuset/cpuset.mems': '0\n',
  '/cpuset/cpuset.sched_load_balance': '1\n',
  '/cpuset/cpuset.sched_relax_domain_level': '-1\n',
  '/memory/memory.stat': 'cache 0\nrss 1421312\ntotal_rss 1421312\n',
  '/memory/memory.limit_in_bytes': '9223372036854771712\n',
  '/memory/memory.usage_in_bytes': '2240512\n',
  '/memory/memory.max_usage_in_bytes': '2240512\n',
  '/memory/memory.failcnt': '0\n',
  '/memory/memory.memsw.limit_in_bytes': '9223372036854771712\n',
  '/memory/memory.memsw.usage_in_bytes': '2240512\n',
  '/memory/memory.memsw.max_usage_in_bytes': '2240512\n',
  '/memory/memory.memsw.failcnt': '0\n',
  '/memory/memory.kmem.tcp.limit_in_bytes': '9223372036854771712\n',
  '/memory/memory.kmem.tcp.usage_in_bytes': '0\n',
  '/memory/memory.kmem.tcp.max_usage_in_bytes': '0\n',
  '/memory/memory.kmem.tcp.failcnt': '0\n',
  '/pids/pids.current': '5\n',
  '/pids/pids.max': 'max\n',
  '/blkio/blkio.throttle.io_serviced_recursive': '8:0 Read 3\n8:0 Write 0\nTotal 3\n',
  '/blkio/blkio.throttle.io_service_bytes_recursive': '8:0 Read 12288\n8:0 Write 0\nTotal 12288\n',
};
const io: CgroupIo = {
  read: (f) => {
    if (!(f in files)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return files[f];
  },
  write: () => undefined,
  exists: (f) => f in files,
};

describe('v1 statistics', () => {
  it('reads what runc 1.1 prints for `events --stats`', () => {
    const s = readStatsV1((c) => (['cpuacct', 'cpu', 'cpuset', 'memory', 'pids', 'blkio'].includes(c) ? `/${c}` : undefined), io, ['2MB']);
    const json = JSON.parse(encodeJson(s));
    expect(json.cpu).toEqual({
      usage: { total: 11767650, percpu: [3277848, 8489802], percpu_kernel: [0, 4000000], percpu_user: [0, 4000000], kernel: 30000000, user: 20000000 },
      throttling: {},
    });
    expect(json.cpuset).toEqual({
      cpus: [0, 1], cpu_exclusive: 0, mems: [0], mem_hardwall: 0, mem_exclusive: 0, memory_migrate: 0, memory_spread_page: 0,
      memory_spread_slab: 0, memory_pressure: 0, sched_load_balance: 1, sched_relax_domain_level: -1,
    });
    expect(json.memory.usage).toEqual({ limit: 9223372036854771712, usage: 2240512, max: 2240512, failcnt: 0 });
    expect(json.memory.kernelTCP).toEqual({ limit: 9223372036854771712, failcnt: 0 });
    expect(json.memory.kernel).toEqual({ limit: 0, failcnt: 0 });
    expect(json.memory.cache).toBeUndefined();
    expect(json.memory.raw).toEqual({ cache: 0, rss: 1421312, total_rss: 1421312 });
    expect(json.pids).toEqual({ current: 5 });
    expect(json.blkio).toEqual({
      ioServicedRecursive: [{ major: 8, op: 'Read', value: 3 }, { major: 8, op: 'Write' }],
      ioServiceBytesRecursive: [{ major: 8, op: 'Read', value: 12288 }, { major: 8, op: 'Write' }],
    });
    expect(json.hugetlb).toEqual({});
    expect(json.intel_rdt).toEqual({});
    expect(json.network_interfaces).toBeNull();
    // key order as runc's struct
    expect(Object.keys(json)).toEqual(['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
    expect(Object.keys(json.memory)).toEqual(['usage', 'swap', 'kernel', 'kernelTCP', 'raw']);
  });

  it('blkio and io.stat lines', () => {
    expect(parseBlkioFile('8:0 6792\n8:16 Read 5\nTotal 7\n')).toEqual([
      { major: 8n, value: 6792n },
      { major: 8n, minor: 16n, op: 'Read', value: 5n },
    ]);
    expect(parseIoStat('259:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n')).toEqual({
      ioServiceBytesRecursive: [{ major: 259n, op: 'Read', value: 10n }, { major: 259n, op: 'Write', value: 20n }],
      ioServicedRecursive: [{ major: 259n, op: 'Read', value: 1n }, { major: 259n, op: 'Write', value: 2n }],
    });
  });
});

describe('event lines', () => {
  it('runc\'s types.Event: oom without data, stats with it; uint64 printed exactly', () => {
    expect(eventLine('oom', 'c1')).toBe('{"type":"oom","id":"c1"}\n');
    expect(eventLine('stats', 'c1', { memory: { limit: 18446744073709551615n } })).toBe('{"type":"stats","id":"c1","data":{"memory":{"limit":18446744073709551615}}}\n');
    expect(encodeJson({ a: undefined, b: null, c: [1n, 'x'], d: true })).toBe('{"b":null,"c":[1,"x"],"d":true}');
  });
});
