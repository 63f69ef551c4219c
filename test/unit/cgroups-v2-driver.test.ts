import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CgroupIo } from '../../src/cgroups/cgroup-io';
import { realIo } from '../../src/cgroups/cgroup-io';
import { CgroupfsV2 } from '../../src/cgroups/cgroupfs-v2';
import type { DeviceRule } from '../../src/cgroups/device-rules';
import type { HostCgroupInfo } from '../../src/cgroups/host-info';
import { encodeJson } from '../../src/cgroups/stats-types';
import { refuseFrozenCgroup } from '../../src/lifecycle/frozen-cgroup';

const CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma'];
const HOST: HostCgroupInfo = { v1: new Set(), v2: new Set(CONTROLLERS), cpus: new Set([0, 1, 2, 3]), mems: new Set([0]), hugePageSizes: ['2MB'] };

/** The interface files the kernel creates in a new v2 cgroup, per controller. */
const FILES: Record<string, Record<string, string>> = {
  '': { 'cgroup.procs': '', 'cgroup.subtree_control': '', 'cgroup.freeze': '0', 'cgroup.events': 'populated 0\nfrozen 0\n', 'cgroup.kill': '', 'cgroup.type': 'domain', 'cgroup.max.depth': 'max' },
  memory: { 'memory.max': 'max', 'memory.swap.max': 'max', 'memory.low': '0', 'memory.high': 'max', 'memory.current': '4096', 'memory.peak': '8192', 'memory.swap.current': '0', 'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 2\n', 'memory.stat': 'anon 4096\nfile 12288\n' },
  pids: { 'pids.max': 'max', 'pids.current': '3' },
  cpu: { 'cpu.max': 'max 100000', 'cpu.weight': '100', 'cpu.max.burst': '0', 'cpu.idle': '0', 'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 7\n' },
  cpuset: { 'cpuset.cpus': '', 'cpuset.mems': '' },
  io: { 'io.max': '', 'io.weight': 'default 100', 'io.stat': '8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n' },
  hugetlb: { 'hugetlb.2MB.max': 'max', 'hugetlb.2MB.current': '0', 'hugetlb.2MB.events': 'max 0\n' },
  rdma: { 'rdma.max': '' },
};

/**
 * realIo over a scratch directory that behaves like cgroupfs where the driver cares: a
 * new directory gets the interface files of the controllers its parent hands down, and
 * writing cgroup.freeze shows in cgroup.events. Every write is logged.
 */
class ScratchV2 implements CgroupIo {
  readonly log: string[] = [];
  constructor(readonly root: string) {
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), CONTROLLERS.join(' '));
    fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), '');
  }
  private populate(dir: string): void {
    if (dir === this.root || !fs.existsSync(dir) || fs.existsSync(path.join(dir, 'cgroup.controllers'))) return;
    this.populate(path.dirname(dir));
    const handed = this.subtree(path.dirname(dir));
    fs.writeFileSync(path.join(dir, 'cgroup.controllers'), handed.join(' '));
    for (const c of ['', ...handed]) for (const [f, v] of Object.entries(FILES[c] ?? {})) fs.writeFileSync(path.join(dir, f), v);
  }
  private subtree(dir: string): string[] {
    return fs.readFileSync(path.join(dir, 'cgroup.subtree_control'), 'utf8').split(/\s+/).filter(Boolean);
  }
  write(file: string, value: string): void {
    this.populate(path.dirname(file));
    if (path.basename(file) === 'cgroup.subtree_control') {
      const now = new Set(this.subtree(path.dirname(file)));
      for (const tok of value.split(/\s+/)) if (tok.startsWith('+')) now.add(tok.slice(1));
      this.log.push(`${path.relative(this.root, file)}=${value}`);
      fs.writeFileSync(file, [...now].join(' '));
      return;
    }
    realIo.write(file, value);
    this.log.push(`${path.relative(this.root, file)}=${value}`);
    if (path.basename(file) === 'cgroup.freeze') fs.writeFileSync(path.join(path.dirname(file), 'cgroup.events'), `populated 1\nfrozen ${value}\n`);
  }
  read(file: string): string {
    this.populate(path.dirname(file));
    return realIo.read(file);
  }
  exists(file: string): boolean {
    this.populate(path.dirname(file));
    return fs.existsSync(file);
  }
}

let root: string;
let io: ScratchV2;
let loaded: Array<{ dir: string; rules: DeviceRule[] }>;
const driver = (rel = 'pod/c1') => new CgroupfsV2(path.join(root, rel), root, { io, host: HOST, loadDevicePrograms: (dir, rules) => loaded.push({ dir, rules }) });

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-v2-'));
  io = new ScratchV2(root);
  loaded = [];
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('CgroupfsV2 over a scratch v2 tree', () => {
  it('create: makes the path, hands every controller down, writes the limits, loads the device program', () => {
    const d = driver();
    d.create({ memory: { limit: 1 << 26, swap: 1 << 27 }, cpu: { shares: 512, quota: 20000, cpus: '1-2' }, pids: { limit: 32 }, devices: [{ allow: false, access: 'rwm' }] });
    const all = CONTROLLERS.map((c) => `+${c}`).join(' ');
    expect(io.log).toEqual([
      `cgroup.subtree_control=${all}`,
      `pod/cgroup.subtree_control=${all}`,
      'pod/c1/pids.max=32',
      'pod/c1/memory.swap.max=67108864',
      'pod/c1/memory.max=67108864',
      'pod/c1/cpu.weight=59',
      'pod/c1/cpu.max=20000 100000',
      'pod/c1/cpuset.cpus=1-2',
    ]);
    expect(loaded).toHaveLength(1);
    expect(loaded[0].dir).toBe(path.join(root, 'pod/c1'));
    expect(loaded[0].rules[0]).toEqual({ allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' });
    expect(d.record()).toEqual({ driver: 'cgroupfs-v2', paths: { unified: path.join(root, 'pod/c1') } });
    expect(d.layout()).toEqual({ version: 2, mounts: [{ subdir: '', hostPath: path.join(root, 'pod/c1'), controllers: [] }], symlinks: [] });
  });

  it('bad input: nothing is made', () => {
    expect(() => driver().create({ cpu: { cpus: '9' } })).toThrow('/linux/resources/cpu/cpus: CPU 9 is not on this host (it has 0-3)');
    expect(() => driver().create({ unified: { 'memry.max': '1' } })).toThrow('unknown cgroup controller "memry"');
    expect(() => driver().create({ cpu: { realtimePeriod: 5 } })).toThrow('/linux/resources/cpu/realtimePeriod: a realtime period is not supported on cgroup v2');
    expect(fs.existsSync(path.join(root, 'pod'))).toBe(false);
    expect(io.log).toEqual([]);
  });

  it('a write the kernel refuses: rollback removes the directories create made', () => {
    const d = driver();
    expect(() => d.create({ hugepageLimits: [{ pageSize: '2MB', limit: 1 }], unified: { 'hugetlb.1GB.max': '1' } })).toThrow(
      /\/linux\/resources\/unified\/hugetlb\.1GB\.max: this kernel has no hugetlb\.1GB\.max/,
    );
    // rmdir on cgroupfs ignores the interface files; a scratch directory has to lose them first
    for (const dir of ['pod/c1', 'pod']) for (const f of fs.readdirSync(path.join(root, dir))) if (f !== 'c1') fs.rmSync(path.join(root, dir, f));
    d.rollback();
    expect(fs.existsSync(path.join(root, 'pod'))).toBe(false);
  });

  it('update: only what is given, the rest of cpu.max kept; a failure puts back what changed', () => {
    const d = driver();
    d.create({ cpu: { quota: 20000, period: 50000 } });
    io.log.length = 0;
    d.update({ cpu: { quota: 30000 }, pids: { limit: 5 } });
    expect(io.log).toEqual(['pod/c1/pids.max=5', 'pod/c1/cpu.max=30000 50000']);
    expect(() => d.update({ pids: { limit: 9 }, unified: { 'rdma.nonexistent': '1' } })).toThrow('/unified/rdma.nonexistent');
    expect(fs.readFileSync(path.join(root, 'pod/c1/pids.max'), 'utf8')).toBe('5');
  });

  it('update with checkBeforeUpdate refuses a limit at or below the usage', () => {
    const d = driver();
    d.create({});
    expect(() => d.update({ memory: { limit: 4096, checkBeforeUpdate: true } })).toThrow('/memory/limit: rejecting memory limit 4096: the container uses 4096 bytes');
    d.update({ memory: { limit: 1 << 20, checkBeforeUpdate: true } });
  });

  it('join, pids (sub-cgroups included), freeze and thaw', () => {
    const d = driver();
    d.create({});
    d.join(4242);
    fs.mkdirSync(path.join(root, 'pod/c1/inner'));
    fs.writeFileSync(path.join(root, 'pod/c1/inner/cgroup.controllers'), '');
    fs.writeFileSync(path.join(root, 'pod/c1/inner/cgroup.procs'), '17\n');
    expect(d.pids()).toEqual([17, 4242]);
    expect(d.isFrozen()).toBe(false);
    d.freeze();
    expect(d.isFrozen()).toBe(true);
    d.thaw();
    expect(d.isFrozen()).toBe(false);
  });

  it('a cgroup frozen before create (its own cgroup.freeze or an ancestor\'s) is refused in runc\'s words, nothing made', () => {
    fs.mkdirSync(path.join(root, 'pod/c1'), { recursive: true });
    io.write(path.join(root, 'pod/c1/cgroup.freeze'), '1');
    io.log.length = 0;
    expect(driver().frozenBy()).toEqual({ cgroup: path.join(root, 'pod/c1'), frozen: path.join(root, 'pod/c1') });
    expect(() => refuseFrozenCgroup(driver())).toThrow(`container's cgroup unexpectedly frozen: ${path.join(root, 'pod/c1')}`);
    io.write(path.join(root, 'pod/c1/cgroup.freeze'), '0');
    io.write(path.join(root, 'pod/cgroup.freeze'), '1');
    io.log.length = 0;
    // A directory not made yet would start frozen under its frozen parent.
    expect(() => refuseFrozenCgroup(driver('pod/c2'))).toThrow(
      `container's cgroup unexpectedly frozen: ${path.join(root, 'pod/c2')} (its ancestor ${path.join(root, 'pod')} is frozen)`,
    );
    expect(fs.existsSync(path.join(root, 'pod/c2'))).toBe(false);
    expect(io.log).toEqual([]);
    io.write(path.join(root, 'pod/cgroup.freeze'), '0');
    expect(driver('pod/c2').frozenBy()).toBeUndefined();
    expect(() => refuseFrozenCgroup(driver('pod/c2'))).not.toThrow();
  });

  it('kill --all with SIGKILL goes through cgroup.kill', () => {
    const d = driver();
    d.create({});
    d.killAll(9);
    expect(io.log.at(-1)).toBe('pod/c1/cgroup.kill=1');
  });

  it('stats in runc\'s shape; OOM kills from memory.events', () => {
    const d = driver();
    d.create({});
    const json = JSON.parse(encodeJson(d.stats()));
    expect(json.pids).toEqual({ current: 3 });
    expect(json.cpu).toEqual({ usage: { total: 1500000, kernel: 500000, user: 1000000 }, throttling: { periods: 4, throttledPeriods: 1, throttledTime: 7000 } });
    expect(json.memory.usage).toEqual({ limit: 18446744073709551615, usage: 4096, max: 8192, failcnt: 0 });
    expect(json.memory.cache).toBe(12288);
    expect(json.blkio).toEqual({ ioServiceBytesRecursive: [{ major: 8, op: 'Read', value: 4096 }, { major: 8, op: 'Write' }], ioServicedRecursive: [{ major: 8, op: 'Read', value: 1 }, { major: 8, op: 'Write' }] });
    expect(json.hugetlb).toEqual({ '2MB': { failcnt: 0 } });
    expect(encodeJson(d.stats())).toContain('"limit":18446744073709551615');
    expect(d.oomKills()).toBe(2);
  });

  it('remove: the cgroup and the sub-cgroups the container made', () => {
    const d = driver();
    d.create({});
    // a scratch directory is not cgroupfs: empty it the way rmdir on cgroupfs would not need
    const dir = path.join(root, 'pod/c1');
    fs.mkdirSync(path.join(dir, 'a/b'), { recursive: true });
    for (const f of fs.readdirSync(dir)) if (!['a'].includes(f)) fs.rmSync(path.join(dir, f));
    d.remove();
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(path.join(root, 'pod'))).toBe(true);
  });
});
