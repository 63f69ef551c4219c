// pause/resume, update, ps, events (stats and OOM), kill --all and delete of paused or
// OOM-killed containers, as a user of runc would check them.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, cgroupDirsOf, expectCleanError, lines, ocirtToFiles, pidExists, sh, stateOf, waitForStatus } from '../helpers/containers';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';
import { host, itNeeds } from '../helpers/host-capabilities';

const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const V1 = host.cgroupV1() === undefined;

/** The container's directory in a v1 hierarchy (default cgroupsPath: the id). */
function dirOf(id: string, mountPoint: string): string {
  const d = cgroupDirsOf(id).find((x) => x.startsWith(`${mountPoint}/`));
  if (!d) throw new Error(`no cgroup of ${id} under ${mountPoint}`);
  return d;
}
const read = (file: string) => fs.readFileSync(file, 'utf8').trim();

/** A started container running `script`; its output goes to files in the bundle. */
function started(script: string, edit?: (s: Spec) => void) {
  const id = scope.id('cmd');
  const bundle = scope.bundle(sh(script), edit);
  const c = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir });
  expect(c.status, c.stderr).toBe(0);
  const s = ocirtToFiles(scope.root, ['start', id], { dir: bundle.dir });
  expect(s.status, s.stderr).toBe(0);
  return { id, bundle, pid: stateOf(scope.root, id).pid, out: c.out };
}

/** Polls until cond() holds (bounded, so that a hang fails instead of blocking the run). */
function waitUntil(cond: () => boolean, limitMs = 20_000): boolean {
  const until = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > until) return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  return true;
}

describe.skipIf(!isRoot || !V1)('pause and resume (needs root)', () => {
  it('pause: status paused in state and list, the freezer holds it; resume: running again', () => {
    const { id } = started('exec sleep 1000');
    expect(scope.ocirt(['pause', id]).status).toBe(0);
    expect(stateOf(scope.root, id).status).toBe('paused');
    expect(read(path.join(dirOf(id, '/sys/fs/cgroup/freezer'), 'freezer.state'))).toBe('FROZEN');
    const listed = JSON.parse(scope.ocirt(['list', '--format', 'json']).stdout) as Array<{ id: string; status: string }>;
    expect(listed.find((c) => c.id === id)?.status).toBe('paused');
    expectCleanError(scope.ocirt(['pause', id]), 'container not running');
    expect(scope.ocirt(['resume', id]).status).toBe(0);
    expect(stateOf(scope.root, id).status).toBe('running');
    expectCleanError(scope.ocirt(['resume', id]), 'container not paused');
  });

  it('a created container can be paused and comes back created', () => {
    const id = scope.id('cpause');
    const bundle = scope.bundle(sh('exec sleep 1000'));
    expect(ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir }).status).toBe(0);
    expect(scope.ocirt(['pause', id]).status).toBe(0);
    expect(stateOf(scope.root, id).status).toBe('paused');
    expect(scope.ocirt(['resume', id]).status).toBe(0);
    expect(stateOf(scope.root, id).status).toBe('created');
  });

  it('delete of a paused container: refused without --force; with it, processes and cgroups are gone', () => {
    const { id, pid } = started('sleep 1000 & exec sleep 1000');
    expect(scope.ocirt(['pause', id]).status).toBe(0);
    expectCleanError(scope.ocirt(['delete', id]), `cannot delete container ${id} that is not stopped: paused`);
    const d = scope.ocirt(['delete', '--force', id]);
    expect(d.status, d.stderr).toBe(0);
    expect(pidExists(pid) && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))).toBe(false);
    expect(cgroupDirsOf(id)).toEqual([]);
  });
});

describe.skipIf(!isRoot || !V1)('update (needs root)', () => {
  it('runc\'s flags change the cgroup files; nothing else changes', () => {
    const { id } = started('exec sleep 1000', (s) => {
      s.linux!.resources = { memory: { limit: 67108864, swap: 67108864 }, cpu: { shares: 1024 }, pids: { limit: 50 } };
    });
    const r = scope.ocirt(['update', '--memory', '128m', '--memory-swap', '256m', '--cpu-quota', '40000', '--cpu-period', '80000', '--cpu-share', '256', '--cpuset-cpus', '0', '--cpuset-mems', '0', '--pids-limit', '20', '--blkio-weight', '700', id]);
    expect(r.status, r.stderr).toBe(0);
    const mem = dirOf(id, '/sys/fs/cgroup/memory');
    expect(read(path.join(mem, 'memory.limit_in_bytes'))).toBe('134217728');
    if (fs.existsSync(path.join(mem, 'memory.memsw.limit_in_bytes'))) expect(read(path.join(mem, 'memory.memsw.limit_in_bytes'))).toBe('268435456');
    const cpu = dirOf(id, '/sys/fs/cgroup/cpu');
    expect(read(path.join(cpu, 'cpu.cfs_quota_us'))).toBe('40000');
    expect(read(path.join(cpu, 'cpu.cfs_period_us'))).toBe('80000');
    expect(read(path.join(cpu, 'cpu.shares'))).toBe('256');
    expect(read(path.join(dirOf(id, '/sys/fs/cgroup/cpuset'), 'cpuset.cpus'))).toBe('0');
    expect(read(path.join(dirOf(id, '/sys/fs/cgroup/pids'), 'pids.max'))).toBe('20');
  });

  it('--resources - (containerd) and --resources FILE (podman)', () => {
    const { id, bundle } = started('exec sleep 1000');
    const viaStdin = spawnWithInput(['update', '--resources', '-', id], JSON.stringify({ memory: { limit: 100663296 }, pids: { limit: 33 } }));
    expect(viaStdin.status, viaStdin.stderr).toBe(0);
    expect(read(path.join(dirOf(id, '/sys/fs/cgroup/memory'), 'memory.limit_in_bytes'))).toBe('100663296');
    expect(read(path.join(dirOf(id, '/sys/fs/cgroup/pids'), 'pids.max'))).toBe('33');
    const file = path.join(bundle.dir, 'res.json');
    fs.writeFileSync(file, JSON.stringify({ cpu: { quota: 12345, period: 100000 } }));
    expect(scope.ocirt(['update', `--resources=${file}`, id]).status).toBe(0);
    expect(read(path.join(dirOf(id, '/sys/fs/cgroup/cpu'), 'cpu.cfs_quota_us'))).toBe('12345');
  });

  it('bad input and limits the kernel refuses: a clear error, the limits as they were', () => {
    const { id } = started('exec sleep 1000', (s) => {
      s.linux!.resources = { pids: { limit: 50 }, cpu: { quota: 50000, period: 100000 } };
    });
    const pidsMax = path.join(dirOf(id, '/sys/fs/cgroup/pids'), 'pids.max');
    expectCleanError(scope.ocirt(['update', '--pids-limit', '-7', id]), `update ${id}: /pids/limit: a pids limit must be -1 (unlimited), 0 (unset) or positive, got -7`);
    expectCleanError(scope.ocirt(['update', '--cpuset-cpus', '4000', id]), /\/cpu\/cpus: CPU 4000 is not on this host/);
    expectCleanError(spawnWithInput(['update', '-r', '-', id], '{"memroy":{"limit":1}}'), 'resources from stdin: /memroy: unknown key');
    expectCleanError(spawnWithInput(['update', '-r', '-', id], '{"unified":{"bogus.max":"1"}}'), '/unified/bogus.max: unknown cgroup controller "bogus"');
    // pids accepted, then the CPU set refused by the kernel: pids.max is put back
    expectCleanError(spawnWithInput(['update', '-r', '-', id], '{"pids":{"limit":3},"cpu":{"cpus":"0","mems":"77"}}'), /\/cpu\/mems: memory node 77 is not on this host/);
    expect(read(pidsMax)).toBe('50');
    expectCleanError(scope.ocirt(['update', '--memory', 'lots', id]), 'invalid value for --memory: invalid size: "lots"');
    expect(read(pidsMax)).toBe('50');
  });

  itNeeds(host.noResctrl)('--l3-cache-schema and --mem-bw-schema on a host without resctrl: refused naming what is missing, the limits as they were', () => {
    const { id } = started('exec sleep 1000', (s) => {
      s.linux!.resources = { pids: { limit: 50 } };
    });
    const pidsMax = path.join(dirOf(id, '/sys/fs/cgroup/pids'), 'pids.max');
    const noResctrl = 'the host has no resctrl filesystem mounted';
    expectCleanError(scope.ocirt(['update', '--pids-limit', '20', '--l3-cache-schema', 'L3:0=f', id]), `update ${id}: --l3-cache-schema: Intel RDT/CAT: l3 cache schema is not enabled: ${noResctrl}`);
    expectCleanError(scope.ocirt(['update', '--mem-bw-schema', 'MB:0=50', id]), `update ${id}: --mem-bw-schema: Intel RDT/MBA: memory bandwidth schema is not enabled: ${noResctrl}`);
    expect(read(pidsMax)).toBe('50');
    expect(JSON.parse(fs.readFileSync(path.join(scope.root, id, 'state.json'), 'utf8')).intelRdt).toBeUndefined();
  });

  it('a memory limit below what the container uses is refused with its usage', () => {
    const { id } = started('dd if=/dev/zero of=/dev/shm/fill bs=1M count=24 2>/dev/null; exec sleep 1000', (s) => {
      s.linux!.resources = { memory: { limit: 67108864 } };
    });
    const mem = dirOf(id, '/sys/fs/cgroup/memory');
    expect(waitUntil(() => Number(read(path.join(mem, 'memory.usage_in_bytes'))) >= 24 << 20)).toBe(true);
    // without swap, tmpfs pages cannot be reclaimed: the kernel refuses (EBUSY)
    const noSwap = read('/proc/swaps').split('\n').length <= 1;
    const r = scope.ocirt(['update', '--memory', '8m', id]);
    if (noSwap) {
      expectCleanError(r, /\/memory\/limit: cannot set the limit to 8388608: the container uses \d+ bytes \(peak \d+\) and the kernel could not reclaim enough/);
      expect(read(path.join(mem, 'memory.limit_in_bytes'))).toBe('67108864');
    }
    // checkBeforeUpdate refuses before writing anything, swap or not
    expectCleanError(spawnWithInput(['update', '-r', '-', id], '{"memory":{"limit":10485760,"checkBeforeUpdate":true}}'), /\/memory\/limit: rejecting memory limit 10485760: the container uses \d+ bytes/);
  });

  it('update of a stopped container', () => {
    const r = scope.run(sh('true'), undefined, [], scope.id('gone'));
    expect(r.status).toBe(0);
    const id = scope.id('stopped');
    const bundle = scope.bundle(sh('true'));
    expect(ocirtToFiles(scope.root, ['run', '--detach', '--bundle', bundle.dir, id], { dir: bundle.dir }).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expectCleanError(scope.ocirt(['update', '--pids-limit', '5', id]), 'container not running');
  });
});

describe.skipIf(!isRoot || !V1)('ps (needs root)', () => {
  itNeeds(host.procps)('--format json: the host pids; table: ps -ef lines of those pids', () => {
    const { id, pid } = started('sleep 1000 & exec sleep 1001');
    let pids: number[] = [];
    expect(waitUntil(() => (pids = JSON.parse(scope.ocirt(['ps', '--format', 'json', id]).stdout) as number[]).length === 2)).toBe(true);
    expect(pids).toContain(pid);
    const table = lines(scope.ocirt(['ps', id]).stdout);
    expect(table[0]).toMatch(/^UID\s+PID\s+PPID/);
    expect(table.slice(1).map((l) => Number(l.trim().split(/\s+/)[1])).sort()).toEqual([...pids].sort());
    expect(table.some((l) => l.endsWith('sleep 1001'))).toBe(true);
    const custom = lines(scope.ocirt(['ps', id, '-o', 'pid,comm']).stdout);
    expect(custom[0].trim()).toBe('PID COMMAND');
    expect(custom).toHaveLength(3);
  });
});

describe.skipIf(!isRoot || !V1)('events (needs root)', () => {
  it('--stats: one stats event in runc\'s shape', () => {
    const { id } = started('exec sleep 1000', (s) => {
      s.linux!.resources = { memory: { limit: 67108864 }, pids: { limit: 30 } };
    });
    const r = scope.ocirt(['events', '--stats', id]);
    expect(r.status, r.stderr).toBe(0);
    expect(lines(r.stdout)).toHaveLength(1);
    const ev = JSON.parse(r.stdout) as { type: string; id: string; data: Record<string, any> };
    expect(ev.type).toBe('stats');
    expect(ev.id).toBe(id);
    expect(Object.keys(ev.data)).toEqual(['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
    expect(ev.data.memory.usage.limit).toBe(67108864);
    expect(ev.data.memory.usage.usage).toBeGreaterThan(0);
    expect(ev.data.pids).toEqual({ current: 1, limit: 30 });
    expect(ev.data.cpu.usage.total).toBeGreaterThan(0);
  });

  it('a stream of stats, an oom event when the kernel OOM-kills, the end when the container is over; delete cleans up', async () => {
    const { id, bundle } = started('while [ ! -e /tmp/go ]; do sleep 0.05; done; tail /dev/zero', (s) => {
      s.linux!.resources = { memory: { limit: 16777216 } };
    });
    const child = spawn(OCIRT, ['--root', scope.root, 'events', '--interval', '100ms', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await until(() => out.includes('"type":"stats"'));
      fs.writeFileSync(path.join(bundle.rootfs, 'tmp/go'), '');
      const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 30_000))]);
      expect(code, err).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    const events = lines(out).map((l) => JSON.parse(l) as { type: string; id: string; data?: unknown });
    expect(events.filter((e) => e.type === 'oom')).toEqual([{ type: 'oom', id }]);
    expect(events.every((e) => e.id === id)).toBe(true);
    expect(events[0].type).toBe('stats');
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expect(read(path.join(dirOf(id, '/sys/fs/cgroup/memory'), 'memory.oom_control'))).toMatch(/^oom_kill [1-9]/m);
    const d = scope.ocirt(['delete', id]);
    expect(d.status, d.stderr).toBe(0);
    expect(cgroupDirsOf(id)).toEqual([]);
  });

  it('of a stopped container: runc\'s error', () => {
    const id = scope.id('evstop');
    const bundle = scope.bundle(sh('true'));
    expect(ocirtToFiles(scope.root, ['run', '--detach', '--bundle', bundle.dir, id], { dir: bundle.dir }).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expectCleanError(scope.ocirt(['events', '--stats', id]), `container with id ${id} is not running`);
  });
});

describe.skipIf(!isRoot || !V1)('kill --all (needs root)', () => {
  /** Without a pid namespace of its own, killing the init leaves the rest: only the cgroup knows them. */
  const sharedPidNs = (s: Spec) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
  };

  for (const signal of ['KILL', 'TERM']) {
    it(`${signal}: every process of the cgroup`, () => {
      const { id } = started('sleep 1000 & sleep 1000 & exec sleep 1000', sharedPidNs);
      let pids: number[] = [];
      expect(waitUntil(() => (pids = JSON.parse(scope.ocirt(['ps', '--format', 'json', id]).stdout) as number[]).length === 3)).toBe(true);
      const r = scope.ocirt(['kill', '--all', id, signal]);
      expect(r.status, r.stderr).toBe(0);
      expect(waitUntil(() => pids.every((p) => !pidExists(p) || /^State:\s+Z/m.test(fs.readFileSync(`/proc/${p}/status`, 'utf8'))))).toBe(true);
      expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    });
  }

  it('a stopped container: what is left in its cgroup (runc allows --all there)', () => {
    const { id } = started('sleep 1000 & exit 0', sharedPidNs);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    const left = JSON.parse(scope.ocirt(['ps', '--format', 'json', id]).stdout) as number[];
    expect(left).toHaveLength(1);
    expectCleanError(scope.ocirt(['kill', id, 'KILL']), 'container not running');
    const r = scope.ocirt(['kill', '--all', id, 'KILL']);
    expect(r.status, r.stderr).toBe(0);
    expect(waitUntil(() => !pidExists(left[0]) || /^State:\s+Z/m.test(fs.readFileSync(`/proc/${left[0]}/status`, 'utf8')))).toBe(true);
  });

  it('a paused container stays paused; the signal lands on resume', () => {
    const { id, pid } = started('exec sleep 1000', sharedPidNs);
    expect(scope.ocirt(['pause', id]).status).toBe(0);
    expect(scope.ocirt(['kill', '--all', id, 'TERM']).status).toBe(0);
    expect(stateOf(scope.root, id).status).toBe('paused');
    expect(scope.ocirt(['resume', id]).status).toBe(0);
    expect(waitUntil(() => !pidExists(pid) || /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')))).toBe(true);
  });
});

function spawnWithInput(args: string[], input: string) {
  return scope.ocirt(args, { input });
}

async function until(cond: () => boolean, limitMs = 20_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}
