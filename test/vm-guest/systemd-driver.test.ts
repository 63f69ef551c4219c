// The systemd cgroup driver for real: only meaningful in the test VM booted with systemd
// as PID 1 (test/vm/systemd-guest.test.ts runs this file there). Each container's
// cgroup is a transient scope made over D-Bus; the assertions read what a user would:
// `systemctl show`, the cgroup files, /proc/<pid>/cgroup, and ocirt's own commands.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectCleanError, ocirtToFiles, stateOf, TestScope, waitForStatus } from '../helpers/containers';

const booted = fs.existsSync('/run/systemd/system');
const CG = '/sys/fs/cgroup';
const unified = fs.existsSync(`${CG}/cgroup.controllers`);
const PREFIX = 'ocirt-vmtest';

/** `systemctl show UNIT -p ...` as a map. */
function show(unit: string, props: string[]): Record<string, string> {
  const out = execFileSync('systemctl', ['show', unit, ...props.flatMap((p) => ['-p', p])], { encoding: 'utf8' });
  return Object.fromEntries(out.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function read(file: string): string {
  return fs.readFileSync(file, 'utf8').trim();
}

/** The v2 cgroup of a host pid, from /proc/<pid>/cgroup ("0::/machine.slice/x.scope"). */
function cgroupOf(pid: number): string {
  return /^0::(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1] ?? '';
}

function unitsLeft(): string[] {
  const r = spawnSync('systemctl', ['list-units', '--all', '--plain', '--no-legend', `${PREFIX}-*`, `ocirt-sdt-*`], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

describe.skipIf(!booted || !unified)(`systemd cgroup driver${booted ? '' : ' (skipped: systemd is not PID 1: run it with node test/vm/run-in-vm.mjs --systemd)'}`, () => {
  const scope = new TestScope();
  afterEach(() => scope.reset());
  afterAll(() => {
    const left = scope.finish();
    expect(left).toEqual([]);
    expect(unitsLeft()).toEqual([]);
  });

  /** A created container with --systemd-cgroup and a podman-style cgroupsPath. */
  function create(args: string[], edit: (spec: import('../../src/spec/types').Spec) => void = () => {}, globals = ['--systemd-cgroup']) {
    const id = scope.id('sdt');
    const b = scope.bundle(args, (s) => {
      s.linux!.cgroupsPath = `machine.slice:${PREFIX}:${id}`;
      edit(s);
    });
    const r = ocirtToFiles(scope.root, [...globals, 'create', '--bundle', b.dir, id]);
    return { id, b, r, unit: `${PREFIX}-${id}.scope`, dir: `${CG}/machine.slice/${PREFIX}-${id}.scope` };
  }

  it('create makes a transient scope holding the init, with runc\'s properties and the limits', () => {
    const c = create(['sleep', '1000'], (s) => {
      s.linux!.resources = {
        memory: { limit: 64 * 1024 * 1024 },
        pids: { limit: 32 },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' },
      };
      // extra unit properties, as runc takes them
      s.annotations = { 'org.systemd.property.TimeoutStopSec': '7', 'org.systemd.property.CollectMode': "'inactive-or-failed'" };
    });
    expect(c.r.status, c.r.err()).toBe(0);
    const pid = stateOf(scope.root, c.id).pid;
    // In the scope when create returns, before start.
    expect(cgroupOf(pid)).toBe(`/machine.slice/${c.unit}`);
    const p = show(c.unit, ['TimeoutStopUSec', 'CollectMode', 'ActiveState', 'Slice', 'Delegate', 'ControlGroup', 'MemoryMax', 'TasksMax', 'CPUWeight', 'CPUQuotaPerSecUSec', 'AllowedCPUs', 'DevicePolicy', 'MemoryAccounting', 'TasksAccounting', 'DefaultDependencies']);
    expect(p).toMatchObject({
      TimeoutStopUSec: '7s',
      CollectMode: 'inactive-or-failed',
      ActiveState: 'active',
      Slice: 'machine.slice',
      Delegate: 'yes',
      ControlGroup: `/machine.slice/${c.unit}`,
      MemoryMax: String(64 * 1024 * 1024),
      TasksMax: '32',
      CPUWeight: '59',
      CPUQuotaPerSecUSec: '500ms',
      AllowedCPUs: '0',
      DevicePolicy: 'strict',
      MemoryAccounting: 'yes',
      TasksAccounting: 'yes',
    });
    expect(read(`${c.dir}/memory.max`)).toBe(String(64 * 1024 * 1024));
    expect(read(`${c.dir}/pids.max`)).toBe('32');
    expect(read(`${c.dir}/cpu.max`)).toBe('50000 100000');
    expect(read(`${c.dir}/cpu.weight`)).toBe('59');
    expect(read(`${c.dir}/cpuset.cpus`)).toBe('0');
    const record = JSON.parse(fs.readFileSync(path.join(scope.root, c.id, 'state.json'), 'utf8'));
    expect(record.systemdUnit).toBe(c.unit);
    expect(record.cgroup).toEqual({ driver: 'systemd', paths: { unified: c.dir } });
  });

  it('start, exec (joins the scope), limits seen inside, ps, events --stats, update, pause/resume, delete --force', () => {
    const c = create(['sleep', '1000'], (s) => {
      s.linux!.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 40 } };
    });
    expect(c.r.status, c.r.err()).toBe(0);
    expect(scope.ocirt(['start', c.id]).status).toBe(0);

    const inside = scope.ocirt(['exec', c.id, 'sh', '-c', 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; cat /proc/self/cgroup']);
    expect(inside.status, inside.stderr).toBe(0);
    expect(inside.stdout).toBe(`${64 * 1024 * 1024}\n40\n0::/\n`);

    const pidFile = path.join(scope.scratch(), 'exec.pid');
    const d = ocirtToFiles(scope.root, ['exec', '-d', '--pid-file', pidFile, c.id, 'sleep', '500']);
    expect(d.status, d.err()).toBe(0);
    const execPid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(cgroupOf(execPid)).toBe(`/machine.slice/${c.unit}`);
    expect(read(`${c.dir}/cgroup.procs`).split('\n').map(Number)).toContain(execPid);
    const ps = scope.ocirt(['ps', '--format', 'json', c.id]);
    expect(JSON.parse(ps.stdout)).toEqual(expect.arrayContaining([stateOf(scope.root, c.id).pid, execPid]));

    const stats = scope.ocirt(['events', '--stats', c.id]);
    expect(stats.status, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout).data.pids.current).toBeGreaterThanOrEqual(2);

    const upd = scope.ocirt(['update', '--resources', '-', c.id], { input: JSON.stringify({ memory: { limit: 128 * 1024 * 1024 }, pids: { limit: 64 }, cpu: { quota: 20000, period: 100000 } }) });
    expect(upd.status, upd.stderr).toBe(0);
    expect(show(c.unit, ['MemoryMax', 'TasksMax', 'CPUQuotaPerSecUSec'])).toEqual({ MemoryMax: String(128 * 1024 * 1024), TasksMax: '64', CPUQuotaPerSecUSec: '200ms' });
    expect(read(`${c.dir}/memory.max`)).toBe(String(128 * 1024 * 1024));
    expect(read(`${c.dir}/pids.max`)).toBe('64');
    expect(read(`${c.dir}/cpu.max`)).toBe('20000 100000');

    expect(scope.ocirt(['pause', c.id]).status).toBe(0);
    expect(stateOf(scope.root, c.id).status).toBe('paused');
    expect(read(`${c.dir}/cgroup.freeze`)).toBe('1');
    expect(scope.ocirt(['resume', c.id]).status).toBe(0);
    expect(stateOf(scope.root, c.id).status).toBe('running');

    const del = scope.ocirt(['delete', '--force', c.id]);
    expect(del.status, del.stderr).toBe(0);
    expect(show(c.unit, ['LoadState']).LoadState).toBe('not-found');
    expect(fs.existsSync(c.dir)).toBe(false);
    expect(fs.existsSync(`/proc/${execPid}`)).toBe(false);
  });

  it('kill --all stops everything; the scope goes with its processes; delete removes the rest', () => {
    const c = create(['sh', '-c', 'sleep 1000 & sleep 1000']);
    expect(c.r.status, c.r.err()).toBe(0);
    expect(scope.ocirt(['start', c.id]).status).toBe(0);
    const k = scope.ocirt(['kill', '--all', c.id, 'KILL']);
    expect(k.status, k.stderr).toBe(0);
    expect(waitForStatus(scope.root, c.id, 'stopped')).toBe('stopped');
    expect(scope.ocirt(['delete', c.id]).status).toBe(0);
    expect(show(c.unit, ['LoadState']).LoadState).toBe('not-found');
    expect(fs.existsSync(c.dir)).toBe(false);
  });

  it('a container that exits by itself: its scope goes, delete still succeeds', () => {
    const c = create(['true']);
    expect(c.r.status, c.r.err()).toBe(0);
    expect(scope.ocirt(['start', c.id]).status).toBe(0);
    expect(waitForStatus(scope.root, c.id, 'stopped')).toBe('stopped');
    const del = scope.ocirt(['delete', c.id]);
    expect(del.status, del.stderr).toBe(0);
    expect(show(c.unit, ['LoadState']).LoadState).toBe('not-found');
  });

  it('--cgroup-manager systemd is the same driver; no cgroupsPath gives system.slice:ocirt:<id>', () => {
    const id = scope.id('sdt');
    const b = scope.bundle(['sleep', '1000']);
    const r = ocirtToFiles(scope.root, ['--cgroup-manager', 'systemd', 'create', '--bundle', b.dir, id]);
    expect(r.status, r.err()).toBe(0);
    const unit = `ocirt-${id}.scope`;
    expect(show(unit, ['ActiveState', 'Slice', 'ControlGroup'])).toEqual({ ActiveState: 'active', Slice: 'system.slice', ControlGroup: `/system.slice/${unit}` });
    expect(cgroupOf(stateOf(scope.root, id).pid)).toBe(`/system.slice/${unit}`);
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
    expect(show(unit, ['LoadState']).LoadState).toBe('not-found');
  });

  it('a nested slice is made by systemd and the scope lands at the expanded path', () => {
    const id = scope.id('sdt');
    const b = scope.bundle(['sleep', '1000'], (s) => {
      s.linux!.cgroupsPath = `ocirtvm-nested.slice:${PREFIX}:${id}`;
    });
    const r = ocirtToFiles(scope.root, ['--systemd-cgroup', 'create', '--bundle', b.dir, id]);
    expect(r.status, r.err()).toBe(0);
    const expected = `/ocirtvm.slice/ocirtvm-nested.slice/${PREFIX}-${id}.scope`;
    expect(cgroupOf(stateOf(scope.root, id).pid)).toBe(expected);
    expect(fs.existsSync(`${CG}${expected}`)).toBe(true);
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
    expect(fs.existsSync(`${CG}${expected}`)).toBe(false);
    spawnSync('systemctl', ['stop', 'ocirtvm-nested.slice', 'ocirtvm.slice']);
  });

  it('device rules hold inside (systemd\'s DevicePolicy and ocirt\'s eBPF program agree)', () => {
    const c = create(['sleep', '1000'], (s) => {
      s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'w' }] };
      // Nodes that exist inside; the rules decide which may be opened.
      s.linux!.devices = [
        { path: '/dev/mem', type: 'c', major: 1, minor: 1, fileMode: 0o600, uid: 0, gid: 0 },
        { path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o600, uid: 0, gid: 0 },
      ];
    });
    expect(c.r.status, c.r.err()).toBe(0);
    expect(scope.ocirt(['start', c.id]).status).toBe(0);
    const allow = execFileSync('systemctl', ['show', c.unit, '-p', 'DeviceAllow'], { encoding: 'utf8' });
    expect(allow).toContain('/dev/char/1:3 rwm');
    expect(allow).toContain('/dev/char/1:11 w');
    expect(allow).not.toContain('/dev/char/1:1 ');
    const ok = scope.ocirt(['exec', c.id, 'sh', '-c', 'echo x > /dev/null && head -c1 /dev/zero | wc -c && echo ocirt-vm-test > /dev/kmsg && echo written']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('1\nwritten\n');
    const denied = scope.ocirt(['exec', c.id, 'head', '-c1', '/dev/mem']);
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/Operation not permitted/);
    // the rule allows writing /dev/kmsg, not reading it
    const readKmsg = scope.ocirt(['exec', c.id, 'head', '-c1', '/dev/kmsg']);
    expect(readKmsg.status).not.toBe(0);
    expect(readKmsg.stderr).toMatch(/Operation not permitted/);
  });

  it('a second container with the same cgroupsPath fails clearly and leaves the first one\'s scope alone', () => {
    const first = create(['sleep', '1000']);
    expect(first.r.status, first.r.err()).toBe(0);
    const id = scope.id('sdt');
    const b = scope.bundle(['sleep', '1000'], (s) => {
      s.linux!.cgroupsPath = `machine.slice:${PREFIX}:${first.id}`;
    });
    const r = scope.ocirt(['--systemd-cgroup', 'create', '--bundle', b.dir, id]);
    expectCleanError(r, "container's cgroup is not empty: 1 process(es) found (the systemd driver cannot add a process to an existing unit)");
    expect(show(first.unit, ['ActiveState']).ActiveState).toBe('active');
    expect(cgroupOf(stateOf(scope.root, first.id).pid)).toBe(`/machine.slice/${first.unit}`);
    expect(scope.ocirt(['start', first.id]).status).toBe(0);
    expect(stateOf(scope.root, first.id).status).toBe('running');
  });

  it('a malformed cgroupsPath is a clean error naming /linux/cgroupsPath; nothing is left', () => {
    for (const bad of ['machine.slice:only-two', 'machine:p:x', 'a--b.slice:p:x']) {
      const id = scope.id('sdt');
      const b = scope.bundle(['true'], (s) => {
        s.linux!.cgroupsPath = bad;
      });
      const r = scope.ocirt(['--systemd-cgroup', 'create', '--bundle', b.dir, id]);
      expectCleanError(r, /\/linux\/cgroupsPath: /);
      expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    }
  });

  it('a limit cgroup v2 cannot take fails create before any unit exists', () => {
    const c = create(['true'], (s) => {
      s.linux!.resources = { cpu: { realtimeRuntime: 950000, realtimePeriod: 1000000 } };
    });
    expect(c.r.status).not.toBe(0);
    expect(c.r.err()).toMatch(/\/linux\/resources\/cpu\/realtime(Runtime|Period): a realtime (runtime|period) is not supported on cgroup v2/);
    expect(show(c.unit, ['LoadState']).LoadState).toBe('not-found');
  });
});
