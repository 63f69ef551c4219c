import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CgroupIo } from '../../src/cgroups/cgroup-io';
import type { DeviceRule } from '../../src/cgroups/device-rules';
import type { HostCgroupInfo } from '../../src/cgroups/host-info';
import type { HostHierarchy } from '../../src/cgroups/host-hierarchies';
import type { SystemdManager } from '../../src/cgroups/systemd-bus';
import { SystemdDriver } from '../../src/cgroups/systemd-driver';
import { systemdPlacement } from '../../src/cgroups/systemd-path';
import type { UnitProperty } from '../../src/cgroups/systemd-properties';

const HOST: HostCgroupInfo = {
  v1: new Set(),
  v2: new Set(['cpuset', 'cpu', 'io', 'memory', 'pids']),
  cpus: new Set([0, 1]),
  mems: new Set([0]),
  hugePageSizes: [],
};

/** Records what the driver asks of systemd; "starting" a unit makes its directory, as systemd would. */
class FakeSystemd implements SystemdManager {
  readonly calls: Array<{ op: string; unit: string; properties?: UnitProperty[] }> = [];
  constructor(private readonly dirOf: (unit: string) => string[]) {}
  version(): number {
    return 252;
  }
  controlGroup(): string {
    return '';
  }
  startUnit(unit: string, properties: UnitProperty[]): void {
    this.calls.push({ op: 'start', unit, properties });
    for (const d of this.dirOf(unit)) fs.mkdirSync(d, { recursive: true });
  }
  setProperties(unit: string, properties: UnitProperty[]): void {
    this.calls.push({ op: 'set', unit, properties });
  }
  stopUnit(unit: string): void {
    this.calls.push({ op: 'stop', unit });
    for (const d of this.dirOf(unit)) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** Cgroup files as a map; every write logged as "relative/file=value". */
class RecordingIo implements CgroupIo {
  readonly log: string[] = [];
  readonly files = new Map<string, string>();
  constructor(private readonly root: string) {}
  write(file: string, value: string): void {
    this.log.push(`${path.relative(this.root, file)}=${value}`);
    this.files.set(file, value);
  }
  read(file: string): string {
    const v = this.files.get(file);
    if (v === undefined) throw Object.assign(new Error(`ENOENT ${file}`), { code: 'ENOENT', errno: -2 });
    return v;
  }
  exists(file: string): boolean {
    return this.files.has(file) || fs.existsSync(file);
  }
}

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-systemd-unit-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function v2Driver() {
  const hierarchies: HostHierarchy[] = [{ version: 2, mountPoint: root, controllers: [], root: '/' }];
  const placement = systemdPlacement('machine.slice:libpod:c1', 'c1');
  const scope = path.join(root, placement.cgroupDir);
  const manager = new FakeSystemd(() => [scope]);
  const io = new RecordingIo(root);
  const programs: Array<{ dir: string; rules: DeviceRule[] }> = [];
  const opts = {
    manager,
    hierarchies,
    io,
    host: HOST,
    loadDevicePrograms: (dir: string, rules: DeviceRule[]) => programs.push({ dir, rules }),
    devices: { procDevices: () => 'Character devices:\n136 pts\n', deviceNodeExists: () => true },
  };
  return { driver: SystemdDriver.forNew(placement, opts), opts, manager, io, programs, scope };
}

describe('systemd driver (cgroup v2, fake systemd)', () => {
  it('records the unit\'s directory under the slice once the unit exists (not before)', () => {
    const { driver, scope } = v2Driver();
    expect(driver.systemdUnit).toBe('libpod-c1.scope');
    expect(driver.layout()).toEqual({ version: 2, mounts: [{ subdir: '', hostPath: scope, controllers: [] }], symlinks: [] });
    const record = driver.record();
    expect(record).toEqual({ driver: 'systemd', paths: {} });
    driver.create({});
    driver.join(3);
    // the same object, as create.ts keeps it in the record it writes again later
    expect(record).toEqual({ driver: 'systemd', paths: { unified: scope } });
  });

  it('create only checks; the first join starts the scope with the pid and the limits, then writes the files', () => {
    const { driver, manager, io, programs, scope } = v2Driver();
    driver.create({ memory: { limit: 67108864 }, pids: { limit: 50 }, cpu: { shares: 1024 } });
    expect(manager.calls).toEqual([]);
    expect(fs.existsSync(scope)).toBe(false);

    driver.join(777);
    expect(manager.calls.map((c) => `${c.op} ${c.unit}`)).toEqual(['start libpod-c1.scope']);
    const props = Object.fromEntries(manager.calls[0].properties!.map((p) => [p.name, p.value]));
    expect(props).toMatchObject({ Slice: 'machine.slice', Delegate: true, PIDs: [777], DefaultDependencies: false, MemoryMax: '67108864', TasksMax: '50', CPUWeight: '100', DevicePolicy: 'strict' });
    expect(io.log).toEqual(expect.arrayContaining(['machine.slice/libpod-c1.scope/memory.max=67108864', 'machine.slice/libpod-c1.scope/pids.max=50', 'machine.slice/libpod-c1.scope/cpu.weight=100']));
    // systemd put the pid in the scope: the files do not move it again.
    expect(io.log.filter((l) => l.endsWith('cgroup.procs=777'))).toEqual([]);
    expect(programs.map((p) => p.dir)).toEqual([scope]);

    // An exec'd process joins through the files.
    driver.join(778);
    expect(io.log).toContain('machine.slice/libpod-c1.scope/cgroup.procs=778');
    expect(manager.calls).toHaveLength(1);
  });

  it('refuses resources the files would refuse before anything is started', () => {
    const { driver, manager } = v2Driver();
    expect(() => driver.create({ cpu: { realtimeRuntime: 10 } })).toThrow(/^\/linux\/resources\/cpu\/realtimeRuntime: a realtime runtime is not supported on cgroup v2/);
    expect(manager.calls).toEqual([]);
  });

  it('a driver opened from the record sets unit properties at update (no devices) and stops the unit at remove', () => {
    const { driver, opts, manager, io, scope } = v2Driver();
    driver.create({});
    driver.join(5);
    const again = SystemdDriver.fromRecord(driver.record(), opts);
    expect(again.systemdUnit).toBe('libpod-c1.scope');
    again.update({ memory: { limit: 33554432 }, cpu: { quota: 50000, period: 100000 } });
    const set = manager.calls.find((c) => c.op === 'set')!;
    expect(set.unit).toBe('libpod-c1.scope');
    expect(set.properties!.map((p) => `${p.name}=${p.value}`)).toEqual(['MemoryMax=33554432', 'CPUQuotaPeriodUSec=100000', 'CPUQuotaPerSecUSec=500000']);
    expect(io.log).toEqual(expect.arrayContaining(['machine.slice/libpod-c1.scope/memory.max=33554432', 'machine.slice/libpod-c1.scope/cpu.max=50000 100000']));

    again.remove();
    expect(manager.calls.at(-1)).toEqual({ op: 'stop', unit: 'libpod-c1.scope' });
    expect(fs.existsSync(scope)).toBe(false);
  });

  it('before its unit started, the directory of that name is not the driver\'s: no pids, nothing killed', () => {
    const { driver, scope, io } = v2Driver();
    fs.mkdirSync(scope, { recursive: true });
    io.files.set(path.join(scope, 'cgroup.procs'), '1234\n');
    driver.create({});
    expect(driver.pids()).toEqual([]);
    driver.killAll(9);
    expect(io.log).toEqual([]);
  });

  it('rollback before the unit started touches nothing; after, it stops the unit', () => {
    const a = v2Driver();
    a.driver.create({});
    a.driver.rollback();
    expect(a.manager.calls).toEqual([]);
    const b = v2Driver();
    b.driver.create({});
    b.driver.join(9);
    b.driver.rollback();
    expect(b.manager.calls.map((c) => c.op)).toEqual(['start', 'stop']);
    expect(fs.existsSync(b.scope)).toBe(false);
  });

  it('remove also removes sub-cgroups the container made, once systemd is done', () => {
    const { driver, scope } = v2Driver();
    driver.create({});
    driver.join(1);
    fs.mkdirSync(path.join(scope, 'inner'));
    const fake = new FakeSystemd(() => []); // systemd left the tree (as systemd 239 did)
    SystemdDriver.fromRecord(driver.record(), { manager: fake, io: new RecordingIo(root), hierarchies: [{ version: 2, mountPoint: root, controllers: [], root: '/' }] }).remove();
    expect(fs.existsSync(scope)).toBe(false);
  });
});

describe('systemd driver (cgroup v1)', () => {
  it('has the unit directory in every hierarchy and puts the process in all of them', () => {
    const hierarchies: HostHierarchy[] = [
      { version: 1, mountPoint: path.join(root, 'memory'), controllers: ['memory'], root: '/' },
      { version: 1, mountPoint: path.join(root, 'freezer'), controllers: ['freezer'], root: '/' },
      { version: 1, mountPoint: path.join(root, 'devices'), controllers: ['devices'], root: '/' },
      { version: 1, mountPoint: path.join(root, 'systemd'), controllers: ['name=systemd'], root: '/' },
    ];
    const placement = systemdPlacement(undefined, 'c2');
    const dirs = hierarchies.map((h) => path.join(h.mountPoint, 'system.slice/ocirt-c2.scope'));
    const manager = new FakeSystemd(() => [dirs[0], dirs[2], dirs[3]]); // systemd manages memory, devices and its own hierarchy
    const io = new RecordingIo(root);
    const driver = SystemdDriver.forNew(placement, { manager, hierarchies, io, host: { ...HOST, v1: new Set(['memory', 'freezer', 'devices']), v2: null } });
    expect(driver.paths).toEqual({ memory: dirs[0], freezer: dirs[1], devices: dirs[2], 'name=systemd': dirs[3] });
    driver.create({ memory: { limit: 1048576 } });
    driver.join(42);
    const props = Object.fromEntries(manager.calls[0].properties!.map((p) => [p.name, p.value]));
    expect(props).toMatchObject({ Slice: 'system.slice', PIDs: [42], BlockIOAccounting: true, MemoryLimit: '1048576' });
    expect(fs.existsSync(dirs[1])).toBe(true);
    expect(io.log).toEqual(expect.arrayContaining(['memory/system.slice/ocirt-c2.scope/memory.limit_in_bytes=1048576', 'freezer/system.slice/ocirt-c2.scope/cgroup.procs=42']));
  });
});
