import { describe, expect, it } from 'vitest';
import {
  cpuQuotaProperties,
  deviceGroup,
  deviceProperties,
  INFINITY,
  rangeToBits,
  resourceProperties,
  type ResourcePropertyOptions,
  unitStartProperties,
} from '../../src/cgroups/systemd-properties';
import { parseSystemdVersion } from '../../src/cgroups/systemd-bus';

const PROC_DEVICES = `Character devices:
  1 mem
  4 tty
  5 /dev/tty
 10 misc
136 pts

Block devices:
  7 loop
  8 sd
`;

const opts = (over: Partial<ResourcePropertyOptions> = {}): ResourcePropertyOptions => ({
  cgroupVersion: 2,
  systemdVersion: 252,
  update: false,
  at: '/linux/resources',
  procDevices: () => PROC_DEVICES,
  deviceNodeExists: () => true,
  ...over,
});

/** name → value of the properties, without the device ones. */
function values(res: Parameters<typeof resourceProperties>[0], o = opts({ update: true })) {
  return Object.fromEntries(resourceProperties(res, o).properties.map((p) => [p.name, p.value]));
}

describe('unit start properties (runc\'s)', () => {
  it('a scope: description, slice, delegation, the pid, accounting, no default dependencies', () => {
    expect(unitStartProperties({ unit: 'libpod-c1.scope', unitType: 'scope', slice: 'machine.slice', name: 'c1', pid: 4242, cgroupVersion: 2 })).toEqual([
      { name: 'Description', signature: 's', value: 'ocirt container c1' },
      { name: 'Slice', signature: 's', value: 'machine.slice' },
      { name: 'Delegate', signature: 'b', value: true },
      { name: 'PIDs', signature: 'au', value: [4242] },
      { name: 'MemoryAccounting', signature: 'b', value: true },
      { name: 'CPUAccounting', signature: 'b', value: true },
      { name: 'IOAccounting', signature: 'b', value: true },
      { name: 'TasksAccounting', signature: 'b', value: true },
      { name: 'DefaultDependencies', signature: 'b', value: false },
    ]);
  });

  it('a slice: Wants= its parent, no pids, no delegation; v1 has BlockIOAccounting', () => {
    const props = unitStartProperties({ unit: 'x.slice', unitType: 'slice', slice: 'system.slice', name: 'x.slice', cgroupVersion: 1 });
    expect(props.map((p) => p.name)).toEqual(['Description', 'Wants', 'MemoryAccounting', 'CPUAccounting', 'BlockIOAccounting', 'TasksAccounting', 'DefaultDependencies']);
    expect(props[1]).toEqual({ name: 'Wants', signature: 'as', value: ['system.slice'] });
  });
});

describe('resources → unit properties (cgroup v2)', () => {
  it('memory: MemoryMax, MemoryLow, and MemorySwapMax as swap alone (memory+swap minus memory)', () => {
    expect(values({ memory: { limit: 268435456, reservation: 134217728, swap: 536870912 } })).toEqual({
      MemoryMax: '268435456',
      MemoryLow: '134217728',
      MemorySwapMax: '268435456',
    });
  });

  it('memory -1 is infinity; unlimited swap with a limit is infinity too', () => {
    expect(values({ memory: { limit: -1 } })).toEqual({ MemoryMax: INFINITY });
    expect(values({ memory: { limit: 1048576, swap: -1 } })).toEqual({ MemoryMax: '1048576', MemorySwapMax: INFINITY });
  });

  it('a swap limit given alone in an update is relative to the limit in place', () => {
    expect(values({ memory: { swap: 3000000 } }, opts({ update: true, currentMemoryLimit: () => 1000000 }))).toEqual({ MemorySwapMax: '2000000' });
  });

  it('refuses swap below memory, naming the field', () => {
    expect(() => values({ memory: { limit: 2000000, swap: 1000000 } })).toThrow(/^\/linux\/resources\/memory\/swap: memory\+swap/);
  });

  it('shares → CPUWeight by the cgroupfs driver\'s conversion (1024 → 100, 2 → 1, 262144 → 10000, 512 → 59)', () => {
    expect(values({ cpu: { shares: 1024 } })).toEqual({ CPUWeight: '100' });
    expect(values({ cpu: { shares: 2 } })).toEqual({ CPUWeight: '1' });
    expect(values({ cpu: { shares: 262144 } })).toEqual({ CPUWeight: '10000' });
    expect(values({ cpu: { shares: 512 } })).toEqual({ CPUWeight: '59' });
  });

  it('cpu idle is CPUWeight 0 from systemd 252 on, ahead of shares (with a warning)', () => {
    const warnings: string[] = [];
    expect(values({ cpu: { idle: 1, shares: 1024 } }, opts({ update: true, warn: (m) => warnings.push(m) }))).toEqual({ CPUWeight: '0' });
    expect(warnings).toEqual([expect.stringMatching(/^\/linux\/resources\/cpu\/shares: not given to systemd/)]);
    expect(values({ cpu: { idle: 1 } }, opts({ update: true, systemdVersion: 251 }))).toEqual({});
  });

  it('quota and period → CPUQuotaPerSecUSec and CPUQuotaPeriodUSec', () => {
    expect(values({ cpu: { quota: 50000, period: 100000 } })).toEqual({ CPUQuotaPeriodUSec: '100000', CPUQuotaPerSecUSec: '500000' });
    expect(values({ cpu: { quota: 20000 } })).toEqual({ CPUQuotaPerSecUSec: '200000' });
    expect(values({ cpu: { quota: -1, period: 50000 } })).toEqual({ CPUQuotaPeriodUSec: '50000', CPUQuotaPerSecUSec: INFINITY });
  });

  it('a quota systemd cannot keep (whole percent) is rounded up, and the files get the same quota', () => {
    expect(cpuQuotaProperties(12345, 100000, 252)).toEqual({
      properties: [
        { name: 'CPUQuotaPeriodUSec', signature: 't', value: '100000' },
        { name: 'CPUQuotaPerSecUSec', signature: 't', value: '130000' },
      ],
      quota: 13000,
    });
    const r = resourceProperties({ cpu: { quota: 12345, period: 100000, shares: 1024 } }, opts({ update: true }));
    expect(r.resources.cpu).toEqual({ quota: 13000, period: 100000, shares: 1024 });
  });

  it('no CPUQuotaPeriodUSec before systemd 242', () => {
    expect(values({ cpu: { quota: 50000, period: 100000 } }, opts({ update: true, systemdVersion: 241 }))).toEqual({ CPUQuotaPerSecUSec: '500000' });
  });

  it('pids → TasksMax (-1: infinity; 0 a real limit, 1 since systemd refuses 0, as runc 1.4)', () => {
    expect(values({ pids: { limit: 100 } })).toEqual({ TasksMax: '100' });
    expect(values({ pids: { limit: -1 } })).toEqual({ TasksMax: INFINITY });
    expect(values({ pids: { limit: 0 } })).toEqual({ TasksMax: '1' });
  });

  it('cpus and mems → AllowedCPUs / AllowedMemoryNodes bit masks (from systemd 244)', () => {
    const v = values({ cpu: { cpus: '0-2,7', mems: '0' } });
    expect(v.AllowedCPUs).toEqual(Buffer.from([0x87]));
    expect(v.AllowedMemoryNodes).toEqual(Buffer.from([0x01]));
    expect(values({ cpu: { cpus: '0' } }, opts({ update: true, systemdVersion: 243 }))).toEqual({});
  });

  it('blockIO weight → IOWeight (10..1000 → 1..10000)', () => {
    expect(values({ blockIO: { weight: 10 } })).toEqual({ IOWeight: '1' });
    expect(values({ blockIO: { weight: 1000 } })).toEqual({ IOWeight: '10000' });
    expect(values({ blockIO: { weight: 500 } })).toEqual({ IOWeight: '4950' });
  });

  it('unified keys systemd has names for become properties; others are left to the files', () => {
    expect(
      values({ unified: { 'memory.high': '1000000', 'memory.min': 'max', 'pids.max': '20', 'cpu.weight': '77', 'cpu.max': '25000 50000', 'io.weight': '50' } }),
    ).toEqual({
      MemoryHigh: '1000000',
      MemoryMin: INFINITY,
      TasksMax: '20',
      CPUWeight: '77',
      CPUQuotaPeriodUSec: '50000',
      CPUQuotaPerSecUSec: '500000',
    });
    expect(() => values({ unified: { 'memory.high': 'lots' } })).toThrow(/^\/linux\/resources\/unified\/memory.high: "lots" is not "max" or a whole number/);
  });

  it('memory.oom.group → OOMPolicy, only when the unit is made', () => {
    const at = (update: boolean) => resourceProperties({ unified: { 'memory.oom.group': '1' } }, opts({ update, systemdVersion: 253 })).properties.filter((p) => p.name === 'OOMPolicy');
    expect(at(false)).toEqual([{ name: 'OOMPolicy', signature: 's', value: 'kill' }]);
    expect(at(true)).toEqual([]);
  });

  it('update leaves the device properties alone', () => {
    const names = (update: boolean) => resourceProperties({ devices: [{ allow: false, access: 'rwm' }] }, opts({ update })).properties.map((p) => p.name);
    expect(names(false)).toEqual(['DevicePolicy', 'DeviceAllow']);
    expect(names(true)).toEqual([]);
  });
});

describe('resources → unit properties (cgroup v1)', () => {
  it('MemoryLimit, CPUShares, BlockIOWeight, TasksMax', () => {
    const v = values({ memory: { limit: 1048576 }, cpu: { shares: 512 }, blockIO: { weight: 300 }, pids: { limit: 9 } }, opts({ update: true, cgroupVersion: 1 }));
    expect(v).toEqual({ MemoryLimit: '1048576', CPUShares: '512', BlockIOWeight: '300', TasksMax: '9' });
  });
});

describe('device rules → DevicePolicy and DeviceAllow', () => {
  it('the default container devices: strict, mknod for all, the standard nodes, ptys by group name', () => {
    const props = deviceProperties([{ allow: false, access: 'rwm' }], opts());
    expect(props[0]).toEqual({ name: 'DevicePolicy', signature: 's', value: 'strict' });
    expect(props[1].signature).toBe('a(ss)');
    expect(props[1].value).toEqual([
      ['char-*', 'm'],
      ['block-*', 'm'],
      ['/dev/char/1:3', 'rwm'],
      ['/dev/char/1:8', 'rwm'],
      ['/dev/char/1:7', 'rwm'],
      ['/dev/char/5:0', 'rwm'],
      ['/dev/char/1:5', 'rwm'],
      ['/dev/char/1:9', 'rwm'],
      ['char-pts', 'rwm'],
      ['/dev/char/5:2', 'rwm'],
      ['/dev/char/10:200', 'rwm'],
    ]);
  });

  it('a config rule adds an allow entry; a node that does not exist is left to the eBPF program', () => {
    const props = deviceProperties([{ allow: true, type: 'b', major: 8, minor: 0, access: 'r' }, { allow: true, type: 'c', major: 99, minor: 1, access: 'rw' }], opts({ deviceNodeExists: (p) => !p.includes('99:1') }));
    const allow = props[1].value as string[][];
    expect(allow).toContainEqual(['/dev/block/8:0', 'r']);
    expect(allow.some(([p]) => p.includes('99:1'))).toBe(false);
  });

  it('allow-all is DevicePolicy auto with an empty list', () => {
    expect(deviceProperties([{ allow: true, access: 'rwm' }], opts())).toEqual([
      { name: 'DevicePolicy', signature: 's', value: 'auto' },
      { name: 'DeviceAllow', signature: 'a(ss)', value: [] },
    ]);
  });

  it('a deny list systemd cannot express: strict and empty, with a warning', () => {
    const warnings: string[] = [];
    const props = deviceProperties([{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 4, minor: 1, access: 'rwm' }], opts({ warn: (m) => warnings.push(m) }));
    expect(props.map((p) => p.value)).toEqual(['strict', []]);
    expect(warnings).toHaveLength(1);
  });

  it('finds device groups in /proc/devices by type and major', () => {
    expect(deviceGroup(PROC_DEVICES, 'char', 136)).toBe('char-pts');
    expect(deviceGroup(PROC_DEVICES, 'block', 8)).toBe('block-sd');
    expect(deviceGroup(PROC_DEVICES, 'block', 136)).toBeUndefined();
  });
});

describe('rangeToBits', () => {
  it.each([
    ['0', [0x01]],
    ['0-2,7', [0x87]],
    ['8', [0x00, 0x01]],
    ['0, 9-10,', [0x01, 0x06]],
    ['63', [0, 0, 0, 0, 0, 0, 0, 0x80]],
  ])('%j → %j', (list, bytes) => expect([...rangeToBits(list, '/p')]).toEqual(bytes));

  it.each([['', /empty list/], ['3-1', /end before start/], ['a', /not a list/], ['1-', /not a list/]])('refuses %j', (list, msg) => {
    expect(() => rangeToBits(list, '/linux/resources/cpu/cpus')).toThrow(msg);
  });
});

describe('parseSystemdVersion', () => {
  it.each([
    ['252.19-1~deb12u1', 252],
    ['"v245.4-1.fc32"', 245],
    ['245', 245],
    ['', -1],
  ])('%j → %d', (text, v) => expect(parseSystemdVersion(text)).toBe(v));
});
