// Commands that act on a container's cgroup, on a real cgroup v2 host (the test VM):
// pause/resume by cgroup.freeze, kill --all by cgroup.kill, events (OOM) and
// events --stats, nested cgroupsPath with controllers handed down, a delegated subtree
// the container manages itself, and the cgroup namespace view from inside.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, pidExists, stateOf, waitForStatus } from '../helpers/containers';
import { OCIRT } from '../helpers/ocirt-cli';
import { CGROUP_ROOT, cgExists, cgFile, cgKeys, createIn, execIn, expectOk, removeParents, requireV2Guest, until } from './cgroup-v2-helpers';

requireV2Guest();
const PARENT = 'ocirt-v2-life';
const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
  removeParents(PARENT);
});

function started(args: string[], edit: (s: Spec) => void = () => undefined, parent = PARENT): { id: string; cg: string } {
  const c = createIn(scope, parent, args, edit);
  expectOk(c.r);
  expectOk(scope.ocirt(['start', c.id]));
  return { id: c.id, cg: c.cgroupPath };
}

const procs = (cg: string): number[] => cgFile(cg, 'cgroup.procs').split('\n').filter(Boolean).map(Number);
const withoutNamespace = (type: string) => (s: Spec) => {
  s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== type);
};

describe('cgroup commands on cgroup v2 (in the VM)', () => {
  it('pause freezes the cgroup (cgroup.freeze, frozen 1 in cgroup.events), resume thaws it', () => {
    const { id, cg } = started(['sh', '-c', 'while true; do sleep 1; done']);
    expectOk(scope.ocirt(['pause', id]));
    expect(cgFile(cg, 'cgroup.freeze')).toBe('1');
    expect(cgKeys(cg, 'cgroup.events').frozen).toBe('1');
    expect(stateOf(scope.root, id).status).toBe('paused');
    expectOk(scope.ocirt(['resume', id]));
    expect(cgFile(cg, 'cgroup.freeze')).toBe('0');
    expect(cgKeys(cg, 'cgroup.events').frozen).toBe('0');
    expect(stateOf(scope.root, id).status).toBe('running');
    expectOk(scope.ocirt(['delete', '--force', id]));
    expect(cgExists(cg)).toBe(false);
  });

  it('kill --all KILL without a pid namespace: every process of the cgroup dies, sub-cgroups included', () => {
    const { id, cg } = started(['sh', '-c', 'trap "" TERM; sleep 1000 & sleep 1000 & wait'], (s) => {
      withoutNamespace('pid')(s);
      s.mounts = s.mounts!.map((m) => (m.destination === '/sys/fs/cgroup' ? { ...m, options: (m.options ?? []).filter((o) => o !== 'ro').concat('rw') } : m));
    });
    // the container puts a process of its own into a sub-cgroup it makes
    expectOk(execIn(scope, id, 'mkdir /sys/fs/cgroup/inner && (sleep 1000 >/dev/null 2>&1 & echo $! > /sys/fs/cgroup/inner/cgroup.procs)'));
    expect(until(() => procs(`${cg}/inner`).length === 1)).toBe(true);
    const pids = [...procs(cg), ...procs(`${cg}/inner`)];
    expect(pids.length).toBe(4);
    expectOk(scope.ocirt(['kill', '--all', id, 'KILL']));
    expect(until(() => cgKeys(cg, 'cgroup.events').populated === '0')).toBe(true);
    expect(until(() => pids.every((p) => !pidExists(p)))).toBe(true);
    expectOk(scope.ocirt(['delete', id]));
    expect(cgExists(cg)).toBe(false);
  });

  it('kill --all TERM: signalled while frozen, every process gets it, the cgroup is left thawed', () => {
    const { id, cg } = started(['sh', '-c', 'sleep 1000 & sleep 1000 & wait'], withoutNamespace('pid'));
    expect(until(() => procs(cg).length === 3)).toBe(true);
    const pids = procs(cg);
    expectOk(scope.ocirt(['kill', '--all', id, 'TERM']));
    expect(until(() => pids.every((p) => !pidExists(p)))).toBe(true);
    expect(cgFile(cg, 'cgroup.freeze')).toBe('0');
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expectOk(scope.ocirt(['delete', id]));
  });

  it('events --stats: pids, memory (usage and limit), cpu, hugetlb from the v2 files', () => {
    const { id, cg } = started(['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 1000'], (s) => {
      s.linux!.resources = { memory: { limit: 64 << 20 }, pids: { limit: 20 } };
    });
    expect(until(() => /^usage_usec [1-9]/m.test(cgFile(cg, 'cpu.stat')))).toBe(true);
    const r = scope.ocirt(['events', '--stats', id]);
    expectOk(r);
    const ev = JSON.parse(r.stdout) as { type: string; id: string; data: Record<string, any> };
    expect(ev.type).toBe('stats');
    expect(ev.id).toBe(id);
    expect(ev.data.pids).toEqual({ current: procs(cg).length, limit: 20 });
    expect(ev.data.memory.usage.limit).toBe(64 << 20);
    expect(ev.data.memory.usage.usage).toBeGreaterThan(0);
    expect(ev.data.memory.raw.anon).toBeGreaterThan(0);
    expect(ev.data.cpu.usage.total).toBeGreaterThan(0);
    const sizes = fs.readdirSync('/sys/kernel/mm/hugepages').map((d) => Number(/(\d+)kB/.exec(d)![1]) / 1024).map((mb) => (mb >= 1024 ? `${mb / 1024}GB` : `${mb}MB`));
    expect(sizes.length).toBeGreaterThan(0);
    expect(Object.keys(ev.data.hugetlb).sort()).toEqual(sizes.sort());
    expectOk(scope.ocirt(['delete', '--force', id]));
  });

  it('OOM: the kernel kills the hog, memory.events counts it and events reports {"type":"oom"}', async () => {
    const { id, cg } = started(['sleep', '1000'], (s) => {
      s.linux!.resources = { memory: { limit: 32 << 20, swap: 32 << 20 } };
    });
    const events = spawn(OCIRT, ['--root', scope.root, 'events', '--interval', '1h', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    events.stdout.on('data', (d) => (out += d));
    try {
      // busybox tail keeps the whole last "line" in memory: it grows until the OOM kill
      const hog = execIn(scope, id, 'head -c 256m /dev/zero | tail -n 1 >/dev/null');
      expect(hog.status).not.toBe(0);
      expect(Number(cgKeys(cg, 'memory.events').oom_kill)).toBeGreaterThanOrEqual(1);
      const deadline = Date.now() + 60_000;
      while (!out.includes('"oom"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; id: string });
      expect(lines).toContainEqual({ type: 'oom', id });
      // the init is untouched: only the hog was killed
      expect(stateOf(scope.root, id).status).toBe('running');
    } finally {
      events.kill('SIGKILL');
    }
    expectOk(scope.ocirt(['delete', '--force', id]));
  });

  it('nested cgroupsPath: every ancestor hands all controllers down; limits hold at the leaf', () => {
    const c = createIn(scope, `${PARENT}/deep/er`, ['sleep', '1000'], (s) => {
      s.linux!.resources = { memory: { limit: 50 << 20 }, pids: { limit: 30 }, cpu: { quota: 10000, period: 100000 }, blockIO: { weight: 200 } };
    });
    expectOk(c.r);
    const all = cgFile('', 'cgroup.controllers').split(' ').sort();
    for (const a of ['', PARENT, `${PARENT}/deep`, `${PARENT}/deep/er`]) {
      expect(cgFile(a, 'cgroup.subtree_control').split(' ').sort(), `${a}/cgroup.subtree_control`).toEqual(all);
    }
    expect(cgFile(c.cgroupPath, 'cgroup.controllers').split(' ').sort()).toEqual(all);
    expect(cgFile(c.cgroupPath, 'memory.max')).toBe(String(50 << 20));
    expect(cgFile(c.cgroupPath, 'pids.max')).toBe('30');
    expect(cgFile(c.cgroupPath, 'cpu.max')).toBe('10000 100000');
    expectOk(scope.ocirt(['delete', '--force', c.id]));
    expect(cgExists(c.cgroupPath)).toBe(false);
    // the parents stay (as runc): other containers may use them
    expect(cgExists(`${PARENT}/deep/er`)).toBe(true);
  });

  it('delegation: with a writable cgroup mount the container runs its own subtree (moves itself to a leaf, enables controllers, sets limits)', () => {
    const { id, cg } = started(['sleep', '1000'], (s) => {
      s.mounts = s.mounts!.map((m) => (m.destination === '/sys/fs/cgroup' ? { ...m, options: (m.options ?? []).filter((o) => o !== 'ro').concat('rw') } : m));
      s.linux!.resources = { pids: { limit: 40 } };
    });
    const r = execIn(
      scope,
      id,
      [
        'cd /sys/fs/cgroup',
        'mkdir init job',
        // (the list may name the cat that made it, gone by now)
        '{ for p in $(cat cgroup.procs); do echo $p > init/cgroup.procs 2>/dev/null; done; true; }',
        'echo "+memory +pids" > cgroup.subtree_control',
        'echo 10 > job/pids.max',
        'echo $((16 << 20)) > job/memory.max',
        'cat cgroup.subtree_control',
      ].join(' && '),
    );
    expectOk(r);
    expect(r.stdout.trim().split(' ').sort()).toEqual(['memory', 'pids']);
    // what the container did is real on the host side, under its own cgroup
    expect(cgFile(cg, 'cgroup.procs')).toBe('');
    expect(procs(`${cg}/init`).length).toBeGreaterThanOrEqual(1);
    expect(cgFile(`${cg}/job`, 'pids.max')).toBe('10');
    expect(cgFile(`${cg}/job`, 'memory.max')).toBe(String(16 << 20));
    // the container's own limit still bounds the whole subtree
    expect(cgFile(cg, 'pids.max')).toBe('40');
    // ps and delete see the processes in the sub-cgroups and remove the whole tree
    const ps = scope.ocirt(['ps', '--format', 'json', id]);
    expect((JSON.parse(ps.stdout) as number[]).sort()).toEqual(procs(`${cg}/init`).sort());
    expectOk(scope.ocirt(['delete', '--force', id]));
    expect(cgExists(cg)).toBe(false);
  });

  it('cgroup namespace: the container sees its own cgroup as the root, mounted at /sys/fs/cgroup', () => {
    const { id, cg } = started(['sleep', '1000'], (s) => {
      s.linux!.resources = { memory: { limit: 40 << 20 } };
    });
    const pid = stateOf(scope.root, id).pid;
    expect(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toBe(`0::${cg}\n`);
    expect(execIn(scope, id, 'cat /proc/self/cgroup').stdout).toBe('0::/\n');
    expect(execIn(scope, id, 'cat /proc/1/cgroup').stdout).toBe('0::/\n');
    const mountLine = execIn(scope, id, 'grep " /sys/fs/cgroup " /proc/self/mountinfo').stdout.trim();
    const [, , , root, mountPoint] = mountLine.split(' ');
    expect(root).toBe('/');
    expect(mountPoint).toBe('/sys/fs/cgroup');
    expect(mountLine).toMatch(/ - cgroup2 /);
    expect(mountLine.split(' ')[5]).toMatch(/^ro,/);
    expect(execIn(scope, id, 'cat /sys/fs/cgroup/cgroup.controllers').stdout.trim()).toBe(cgFile(cg, 'cgroup.controllers'));
    expect(execIn(scope, id, 'cat /sys/fs/cgroup/memory.max').stdout.trim()).toBe(String(40 << 20));
    // the container's own processes, in its pid namespace: the init and the exec'd cat
    expect(execIn(scope, id, 'cat /sys/fs/cgroup/cgroup.procs').stdout.split('\n').filter(Boolean)).toContain('1');
    // nothing of the host's tree is reachable
    expect(execIn(scope, id, `ls /sys/fs/cgroup/${PARENT} 2>&1 || true`).stdout).toMatch(/No such file/);
    expectOk(scope.ocirt(['delete', '--force', id]));
  });

  it('without a cgroup namespace: /proc/self/cgroup shows the host path; /sys/fs/cgroup is still the container\'s own cgroup', () => {
    const { id, cg } = started(['sleep', '1000'], (s) => {
      withoutNamespace('cgroup')(s);
      s.linux!.resources = { pids: { limit: 33 } };
    });
    expect(execIn(scope, id, 'cat /proc/self/cgroup').stdout).toBe(`0::${cg}\n`);
    expect(execIn(scope, id, 'cat /sys/fs/cgroup/pids.max').stdout.trim()).toBe('33');
    expect(execIn(scope, id, 'cat /sys/fs/cgroup/cgroup.controllers').stdout.trim()).toBe(cgFile(cg, 'cgroup.controllers'));
    expectOk(scope.ocirt(['delete', '--force', id]));
  });

  it('exec joins the container\'s cgroup; ps lists its processes', () => {
    const { id, cg } = started(['sleep', '1000']);
    const r = execIn(scope, id, 'cat /proc/self/cgroup; cat /sys/fs/cgroup/cgroup.procs | wc -l');
    expect(r.stdout.split('\n')[0]).toBe('0::/');
    const ps = scope.ocirt(['ps', '--format', 'json', id]);
    expectOk(ps);
    expect((JSON.parse(ps.stdout) as number[]).sort()).toEqual(procs(cg).sort());
    expect(fs.existsSync(path.join(CGROUP_ROOT, cg))).toBe(true);
    expectOk(scope.ocirt(['delete', '--force', id]));
  });
});
