// Every resource of linux.resources on a real cgroup v2 host (the test VM): the values
// in the container's cgroup files as the host side sees them, the same files from
// inside the container (its cgroup namespace puts them at /sys/fs/cgroup), what update
// changes, and clean errors for what the kernel refuses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, expectCleanError, sh } from '../helpers/containers';
import { cgExists, cgFile, cgKeys, createIn, execIn, expectOk, host, recordedDriver, removeParents, requireV2Guest } from './cgroup-v2-helpers';

requireV2Guest();
const PARENT = 'ocirt-v2-res';
const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
  removeParents(PARENT);
});

/** A started container (init: sleep) with `edit` applied; its id and cgroup path. */
function started(edit: (s: Spec) => void): { id: string; cg: string } {
  const c = createIn(scope, PARENT, ['sleep', '1000'], edit);
  expectOk(c.r);
  expectOk(scope.ocirt(['start', c.id]));
  return { id: c.id, cg: c.cgroupPath };
}

/** A file of the container's cgroup as the container sees it (/sys/fs/cgroup is its own). */
function inside(id: string, file: string): string {
  const r = execIn(scope, id, `cat /sys/fs/cgroup/${file}`);
  expectOk(r);
  return r.stdout.trim();
}

function gone(id: string, cg: string): void {
  expectOk(scope.ocirt(['delete', '--force', id]));
  expect(cgExists(cg)).toBe(false);
}

describe('linux.resources on cgroup v2 (cgroupfs driver, in the VM)', () => {
  it('memory: limit, reservation (memory.low), memory+swap (memory.swap.max is swap alone); update changes them', () => {
    const { id, cg } = started((s) => {
      s.linux!.resources = { memory: { limit: 64 << 20, reservation: 32 << 20, swap: 96 << 20 } };
    });
    expect(recordedDriver(scope, id)).toBe('cgroupfs-v2');
    expect(cgFile(cg, 'memory.max')).toBe(String(64 << 20));
    expect(cgFile(cg, 'memory.low')).toBe(String(32 << 20));
    expect(cgFile(cg, 'memory.swap.max')).toBe(String(32 << 20));
    expect(inside(id, 'memory.max')).toBe(String(64 << 20));
    expect(inside(id, 'memory.swap.max')).toBe(String(32 << 20));

    expectOk(scope.ocirt(['update', '--memory', '128m', '--memory-swap', '256m', id]));
    expect(cgFile(cg, 'memory.max')).toBe(String(128 << 20));
    expect(cgFile(cg, 'memory.swap.max')).toBe(String(128 << 20));
    expectOk(scope.ocirt(['update', '--memory', '-1', '--memory-swap', '-1', id]));
    expect(cgFile(cg, 'memory.max')).toBe('max');
    expect(cgFile(cg, 'memory.swap.max')).toBe('max');
    expect(inside(id, 'memory.max')).toBe('max');
    gone(id, cg);
  });

  it('memory: swap equal to the limit means no swap at all; v1-only settings are ignored with a warning naming them, as runc', () => {
    const { id, cg } = started((s) => {
      s.linux!.resources = { memory: { limit: 48 << 20, swap: 48 << 20 } };
    });
    expect(cgFile(cg, 'memory.swap.max')).toBe('0');
    gone(id, cg);

    const v1Only = createIn(scope, PARENT, ['true'], (s) => {
      s.linux!.resources = { memory: { limit: 48 << 20, swappiness: 10 } };
    });
    expect(v1Only.r.status, v1Only.r.stderr).toBe(0);
    expect(v1Only.r.stderr).toContain('/linux/resources/memory/swappiness: ignored: cgroup v2 has no swappiness');
    expect(cgFile(v1Only.cgroupPath, 'memory.max')).toBe(String(48 << 20));
    expect(scope.ocirt(['delete', '--force', v1Only.id]).status).toBe(0);
    expect(cgExists(v1Only.cgroupPath)).toBe(false);
  });

  it('cpu: shares → cpu.weight, quota/period → cpu.max, burst → cpu.max.burst; update rewrites cpu.max keeping the other half', () => {
    const { id, cg } = started((s) => {
      s.linux!.resources = { cpu: { shares: 262144, quota: 50000, period: 100000, burst: 20000 } };
    });
    expect(cgFile(cg, 'cpu.weight')).toBe('10000');
    expect(cgFile(cg, 'cpu.max')).toBe('50000 100000');
    expect(cgFile(cg, 'cpu.max.burst')).toBe('20000');
    expect(inside(id, 'cpu.max')).toBe('50000 100000');

    expectOk(scope.ocirt(['update', '--cpu-period', '200000', id]));
    expect(cgFile(cg, 'cpu.max')).toBe('50000 200000');
    expectOk(scope.ocirt(['update', '--cpu-quota', '-1', '--cpu-share', '2', id]));
    expect(cgFile(cg, 'cpu.max')).toBe('max 200000');
    expect(cgFile(cg, 'cpu.weight')).toBe('1');
    gone(id, cg);
  });

  it('cpu: idle → cpu.idle; a weight on an idle group is refused by the kernel, reported against the field', () => {
    const { id, cg } = started((s) => {
      s.linux!.resources = { cpu: { idle: 1 } };
    });
    expect(cgFile(cg, 'cpu.idle')).toBe('1');
    expect(inside(id, 'cpu.idle')).toBe('1');
    const r = scope.ocirt(['update', '--cpu-share', '512', id]);
    expectCleanError(r, '/cpu/shares');
    expect(cgFile(cg, 'cpu.idle')).toBe('1');
    expectOk(scope.ocirt(['update', '--cpu-idle', '0', id]));
    expect(cgFile(cg, 'cpu.idle')).toBe('0');
    gone(id, cg);
  });

  it('cpuset: cpus and mems hold, and the container runs on those cpus only', () => {
    const cpus = fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
    expect(cpus, 'the VM has two vCPUs').toBe('0-1');
    const { id, cg } = started((s) => {
      s.linux!.resources = { cpu: { cpus: '1', mems: '0' } };
    });
    expect(cgFile(cg, 'cpuset.cpus')).toBe('1');
    expect(cgFile(cg, 'cpuset.mems')).toBe('0');
    expect(cgFile(cg, 'cpuset.cpus.effective')).toBe('1');
    expect(inside(id, 'cpuset.cpus.effective')).toBe('1');
    expect(execIn(scope, id, 'grep Cpus_allowed_list /proc/self/status').stdout).toMatch(/^Cpus_allowed_list:\s+1$/m);
    expectOk(scope.ocirt(['update', '--cpuset-cpus', '0-1', id]));
    expect(cgFile(cg, 'cpuset.cpus.effective')).toBe('0-1');
    gone(id, cg);
  });

  it('pids: pids.max holds inside the container (forks beyond it fail, pids.events counts them)', () => {
    const { id, cg } = started((s) => {
      s.linux!.resources = { pids: { limit: 8 } };
    });
    expect(cgFile(cg, 'pids.max')).toBe('8');
    expect(inside(id, 'pids.max')).toBe('8');
    // The init and the exec'd shell count too: a few sleeps start, then forks fail.
    const r = execIn(scope, id, 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 >/dev/null 2>&1 & done');
    expect(r.stderr).toMatch(/fork/i);
    const current = Number(cgFile(cg, 'pids.current'));
    expect(current).toBeGreaterThan(1);
    expect(current).toBeLessThanOrEqual(8);
    expect(Number(cgKeys(cg, 'pids.events').max)).toBeGreaterThan(0);
    expectOk(scope.ocirt(['update', '--pids-limit', '-1', id]));
    expect(cgFile(cg, 'pids.max')).toBe('max');
    gone(id, cg);
  });

  describe('io on a real block device (null_blk)', () => {
    let dev = '';
    beforeAll(() => {
      host('modprobe null_blk nr_devices=1');
      dev = fs.readFileSync('/sys/block/nullb0/dev', 'utf8').trim();
    });

    it('weight: io.weight (converted from blkio) without BFQ, io.bfq.weight with it; throttles in io.max', () => {
      const [major, minor] = dev.split(':').map(Number);
      const edit = (s: Spec) => {
        s.linux!.resources = {
          blockIO: {
            weight: 500,
            throttleReadBpsDevice: [{ major, minor, rate: 1048576 }],
            throttleWriteBpsDevice: [{ major, minor, rate: 2097152 }],
            throttleReadIOPSDevice: [{ major, minor, rate: 100 }],
            throttleWriteIOPSDevice: [{ major, minor, rate: 200 }],
          },
        };
      };
      if (!fs.readFileSync('/sys/block/nullb0/queue/scheduler', 'utf8').includes('bfq')) {
        const { id, cg } = started(edit);
        expect(cgExists(cg, 'io.bfq.weight')).toBe(false);
        expect(cgFile(cg, 'io.weight')).toBe(`default ${1 + Math.floor(((500 - 10) * 9999) / 990)}`);
        expect(cgFile(cg, 'io.max')).toBe(`${dev} rbps=1048576 wbps=2097152 riops=100 wiops=200`);
        gone(id, cg);
      }
      host('modprobe bfq && echo bfq > /sys/block/nullb0/queue/scheduler');
      const { id, cg } = started((s) => {
        edit(s);
        s.linux!.resources!.blockIO!.weightDevice = [{ major, minor, weight: 300 }];
      });
      expect(cgKeys(cg, 'io.bfq.weight')).toEqual({ default: '500', [dev]: '300' });
      expect(cgFile(cg, 'io.max')).toBe(`${dev} rbps=1048576 wbps=2097152 riops=100 wiops=200`);
      expect(inside(id, 'io.max')).toBe(`${dev} rbps=1048576 wbps=2097152 riops=100 wiops=200`);
      expectOk(scope.ocirt(['update', '--blkio-weight', '800', id]));
      expect(cgKeys(cg, 'io.bfq.weight').default).toBe('800');
      gone(id, cg);
    });

    it('reads by the container show in io.stat and in events --stats', () => {
      const [major, minor] = dev.split(':').map(Number);
      const { id, cg } = started((s) => {
        s.linux!.devices = [{ path: '/dev/nullb0', type: 'b', major, minor, fileMode: 0o600, uid: 0, gid: 0 }];
        s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major, minor, access: 'rw' }] };
      });
      expectOk(execIn(scope, id, 'dd if=/dev/nullb0 of=/dev/null bs=64k count=32 2>/dev/null'));
      const rbytes = Number(/rbytes=(\d+)/.exec(cgFile(cg, 'io.stat').split('\n').find((l) => l.startsWith(`${dev} `)) ?? '')?.[1]);
      expect(rbytes).toBeGreaterThanOrEqual(2 << 20);
      type Entry = { major?: number; minor?: number; op: string; value: number };
      const stats = JSON.parse(scope.ocirt(['events', '--stats', id]).stdout) as { data: { blkio: { ioServiceBytesRecursive: Entry[] } } };
      // runc's JSON leaves out zero fields (omitempty): minor 0 is absent
      const read = stats.data.blkio.ioServiceBytesRecursive.find((e) => (e.major ?? 0) === major && (e.minor ?? 0) === minor && e.op === 'Read');
      expect(read?.value).toBe(rbytes);
      gone(id, cg);
    });
  });

  it('hugetlb: every page size limited (and its reservation), visible inside', () => {
    const { id, cg } = started((s) => {
      s.linux!.resources = { hugepageLimits: [{ pageSize: '2MB', limit: 8 << 20 }, { pageSize: '1GB', limit: 1 << 30 }] };
    });
    expect(cgFile(cg, 'hugetlb.2MB.max')).toBe(String(8 << 20));
    expect(cgFile(cg, 'hugetlb.2MB.rsvd.max')).toBe(String(8 << 20));
    expect(cgFile(cg, 'hugetlb.1GB.max')).toBe(String(1 << 30));
    expect(inside(id, 'hugetlb.2MB.max')).toBe(String(8 << 20));
    gone(id, cg);

    const bad = createIn(scope, PARENT, ['true'], (s) => {
      s.linux!.resources = { hugepageLimits: [{ pageSize: '3MB', limit: 1 << 20 }] };
    });
    expectCleanError(bad.r, '/linux/resources/hugepageLimits/0');
    expect(cgExists(bad.cgroupPath)).toBe(false);
  });

  describe('rdma (a soft-RoCE device on a dummy link)', () => {
    let rxe = false;
    beforeAll(() => {
      try {
        host('modprobe dummy && (ip link show dummy0 >/dev/null 2>&1 || ip link add dummy0 type dummy) && ip link set dummy0 up && modprobe rdma_rxe && rdma link add ocirtrxe0 type rxe netdev dummy0');
        rxe = true;
      } catch {
        rxe = false;
      }
    });
    afterAll(() => {
      if (rxe) host('rdma link delete ocirtrxe0');
    });

    it('rdma.max per device; an unknown device is refused naming the field', (ctx) => {
      if (!cgExists('', 'cgroup.controllers') || !cgFile('', 'cgroup.controllers').split(' ').includes('rdma')) ctx.skip();
      expect(rxe, 'soft-RoCE device set up').toBe(true);
      const { id, cg } = started((s) => {
        s.linux!.resources = { rdma: { ocirtrxe0: { hcaHandles: 2, hcaObjects: 100 } } };
      });
      expect(cgFile(cg, 'rdma.max')).toBe('ocirtrxe0 hca_handle=2 hca_object=100');
      expect(inside(id, 'rdma.max')).toBe('ocirtrxe0 hca_handle=2 hca_object=100');
      gone(id, cg);

      const bad = createIn(scope, PARENT, ['true'], (s) => {
        s.linux!.resources = { rdma: { nosuchhca0: { hcaHandles: 1 } } };
      });
      expectCleanError(bad.r, '/linux/resources/rdma/nosuchhca0');
      expect(cgExists(bad.cgroupPath)).toBe(false);
    });
  });

  it('unified: keys written as given, after (and over) the other settings; errors name the key', () => {
    const { id, cg } = started((s) => {
      s.linux!.resources = {
        memory: { limit: 64 << 20 },
        pids: { limit: 50 },
        unified: { 'memory.high': String(40 << 20), 'memory.max': String(80 << 20), 'pids.max': '9', 'cpu.weight.nice': '5', 'memory.oom.group': '1' },
      };
    });
    expect(cgFile(cg, 'memory.high')).toBe(String(40 << 20));
    expect(cgFile(cg, 'memory.max')).toBe(String(80 << 20));
    expect(cgFile(cg, 'pids.max')).toBe('9');
    expect(cgFile(cg, 'cpu.weight.nice')).toBe('5');
    expect(cgFile(cg, 'memory.oom.group')).toBe('1');
    expect(inside(id, 'memory.high')).toBe(String(40 << 20));
    const upd = path.join(scope.scratch(), 'res.json');
    fs.writeFileSync(upd, JSON.stringify({ unified: { 'memory.high': 'max', 'io.weight': 'default 77' } }));
    expectOk(scope.ocirt(['update', '-r', upd, id]));
    expect(cgFile(cg, 'memory.high')).toBe('max');
    expect(cgFile(cg, 'io.weight')).toBe('default 77');
    gone(id, cg);

    for (const [key, message] of [
      ['nosuch.max', '/linux/resources/unified/nosuch.max: unknown cgroup controller "nosuch"'],
      ['memory.nosuchfile', '/linux/resources/unified/memory.nosuchfile'],
      ['memory.high', '/linux/resources/unified/memory.high'],
    ] as const) {
      const bad = createIn(scope, PARENT, ['true'], (s) => {
        s.linux!.resources = { unified: { [key]: key === 'memory.high' ? 'lots' : '1' } };
      });
      expectCleanError(bad.r, message);
      expect(cgExists(bad.cgroupPath)).toBe(false);
    }
  });
});
