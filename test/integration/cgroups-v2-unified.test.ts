// The cgroup v2 driver against a real v2 hierarchy. On a hybrid host (v1 controllers,
// a v2 tree at /sys/fs/cgroup/unified with few or no controllers) this exercises what
// that tree offers: placement, cgroup.procs, cgroup.freeze, cgroup.kill, cgroup.events,
// the eBPF device program (the kernel runs it for any v2 cgroup) and hugetlb if enabled
// there. The resource files of the other controllers are covered by unit tests over a
// scratch tree (cgroups-v2-driver.test.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CgroupfsV2 } from '../../src/cgroups/cgroupfs-v2';
import { watchCgroupEvents } from '../../src/cgroups/event-watch';
import { hostHierarchies } from '../../src/cgroups/host-hierarchies';
import { readHostCgroupInfo } from '../../src/cgroups/host-info';
import { native } from '../../src/native/binding';
import { isRoot } from '../helpers/ocirt-cli';
import { host, itNeeds } from '../helpers/host-capabilities';

const hierarchies = hostHierarchies();
const v2 = hierarchies.find((h) => h.version === 2);
const mount = v2?.mountPoint ?? '';
const base = path.join(mount, `ocirt-v2-test-${process.pid}`);
const children: ChildProcess[] = [];
let n = 0;

function driver(): CgroupfsV2 {
  return new CgroupfsV2(path.join(base, `c${++n}`), mount, { host: readHostCgroupInfo(hierarchies) });
}

/** A process in the driver's cgroup: a shell that joins it, then runs `script`. */
function inCgroup(d: CgroupfsV2, script: string): ChildProcess {
  const child = spawn('/bin/sh', ['-c', `echo $$ > ${d.dir}/cgroup.procs && { ${script}; }`], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

function untilTrue(cond: () => boolean, limitMs = 10_000): boolean {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  return true;
}

const events = (d: CgroupfsV2) => fs.readFileSync(path.join(d.dir, 'cgroup.events'), 'utf8');

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (!fs.existsSync(base)) return;
  for (const e of fs.readdirSync(base, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const dir = path.join(base, e.name);
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.kill'), '1');
    } catch {
      // already empty
    }
    untilTrue(() => /populated 0/.test(fs.readFileSync(path.join(dir, 'cgroup.events'), 'utf8')));
    fs.rmdirSync(dir);
  }
  fs.rmdirSync(base);
});

describe.skipIf(!isRoot || !v2)('cgroup v2 driver on the host\'s v2 tree (needs root)', () => {
  itNeeds(host.loopDevice)('create: the directory, the device program attached; the kernel enforces it', async () => {
    const d = driver();
    d.create({ devices: [{ allow: false, access: 'rwm' }] });
    expect(fs.existsSync(d.dir)).toBe(true);
    expect(native().deviceFilterCount(d.dir)).toBe(1);
    const child = inCgroup(d, 'if true </dev/loop-control; then echo opened; else echo refused; fi; head -c 3 /dev/zero | wc -c');
    let out = '';
    child.stdout!.on('data', (x) => (out += x));
    await new Promise((r) => child.on('close', r));
    expect(out.split('\n').map((l) => l.trim())).toEqual(['refused', '3', '']);
    // attaching again replaces the program instead of stacking another one
    d.create({ devices: [{ allow: true, access: 'rwm' }] });
    expect(native().deviceFilterCount(d.dir)).toBe(1);
    d.remove();
    expect(fs.existsSync(d.dir)).toBe(false);
  });

  it('join, pids, freeze (cgroup.events frozen 1), thaw', () => {
    const d = driver();
    d.create({ devices: [{ allow: true, access: 'rwm' }] });
    const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
    children.push(child);
    d.join(child.pid!);
    expect(d.pids()).toEqual([child.pid]);
    expect(events(d)).toMatch(/^populated 1$/m);
    d.freeze();
    expect(d.isFrozen()).toBe(true);
    expect(events(d)).toMatch(/^frozen 1$/m);
    d.thaw();
    expect(d.isFrozen()).toBe(false);
    expect(events(d)).toMatch(/^frozen 0$/m);
    child.kill('SIGKILL');
  });

  it('kill --all: TERM by freeze, signal, thaw; KILL by cgroup.kill; the events watch sees the end', async () => {
    const d = driver();
    d.create({ devices: [{ allow: true, access: 'rwm' }] });
    const term = inCgroup(d, 'sleep 1000 & sleep 1000 & wait');
    expect(untilTrue(() => d.pids().length === 3)).toBe(true);
    const gone = new Promise<void>((resolve) => {
      const w = watchCgroupEvents(d.record(), { oom: () => undefined, gone: () => (w.close(), resolve()) });
    });
    d.killAll(15);
    expect(d.isFrozen()).toBe(false);
    await new Promise((r) => term.on('close', r));
    expect(untilTrue(() => d.pids().length === 0)).toBe(true);
    await gone;

    inCgroup(d, 'trap "" TERM; sleep 1000 & wait');
    expect(untilTrue(() => d.pids().length === 2)).toBe(true);
    d.killAll(9);
    expect(untilTrue(() => /populated 0/.test(events(d)))).toBe(true);
    d.remove();
  });

  itNeeds(host.hugepages2M, () => (readHostCgroupInfo(hierarchies).v2?.has('hugetlb') ? undefined : 'the host\'s v2 tree does not offer hugetlb'))('hugetlb limits, with the controller handed down', () => {
    const d = driver();
    d.create({ hugepageLimits: [{ pageSize: '2MB', limit: 6291456 }], devices: [{ allow: true, access: 'rwm' }] });
    expect(fs.readFileSync(path.join(d.dir, 'hugetlb.2MB.max'), 'utf8').trim()).toBe('6291456');
    d.update({ hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }] });
    expect(fs.readFileSync(path.join(d.dir, 'hugetlb.2MB.max'), 'utf8').trim()).toBe('2097152');
    expect(JSON.parse(JSON.stringify(d.stats().hugetlb, (_, v) => (typeof v === 'bigint' ? Number(v) : v)))).toMatchObject({ '2MB': { failcnt: 0 } });
    d.remove();
  });

  it('a rejected device rule set is refused before anything is made', () => {
    const d = driver();
    expect(() => d.create({ devices: [{ allow: true, type: 'c', access: 'm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'm' }] })).toThrow(
      /cannot be applied: it would punch a hole in the wildcard rule "c \*:\* m"/,
    );
    d.rollback();
    expect(fs.existsSync(d.dir)).toBe(false);
    expect(spawnSync('true').status).toBe(0);
  });
});
