import { OcirtError } from '../native/error';
import type { LinuxResources } from '../spec/types-resources';
import { formatInt } from './cgroup-write';
import { emulateDeviceRules } from './device-emulator';
import { containerDeviceRules, type DeviceRule, deviceRuleLine } from './device-rules';
import { blkioWeightToIoWeight, sharesToWeight, swapToV2 } from './v2-convert';

/** A D-Bus value: integers of type t/x as decimal strings (they pass 2^53), ay as a Buffer. */
export type DbusValue = string | number | boolean | Buffer | DbusValue[];

/** One unit property as systemd's D-Bus API takes it: a(sv). */
export interface UnitProperty {
  name: string;
  /** The D-Bus signature of the value ("s", "b", "t", "au", "ay", "a(ss)"). */
  signature: string;
  value: DbusValue;
}

/** systemd's USEC_INFINITY / "infinity" for byte and count limits: 2^64-1. */
export const INFINITY = '18446744073709551615';

const DEFAULT_CPU_PERIOD = 100000;

/** Versions of systemd that first took a property (runc's checks). */
const SINCE = { cpuQuotaPeriod: 242, allowedCpus: 244, cpuIdle: 252, oomPolicy: 253 };

export const str = (name: string, value: string): UnitProperty => ({ name, signature: 's', value });
export const bool = (name: string, value: boolean): UnitProperty => ({ name, signature: 'b', value });
export const u64 = (name: string, value: number | string): UnitProperty => ({
  name,
  signature: 't',
  value: typeof value === 'string' ? value : formatInt(value),
});

export interface UnitStart {
  unit: string;
  unitType: 'scope' | 'slice';
  /** The parent slice. */
  slice: string;
  /** For the description ("ocirt container NAME"). */
  name: string;
  /** The process that starts the scope (a slice takes none). */
  pid?: number;
  cgroupVersion: 1 | 2;
}

/**
 * The properties a new unit gets before any resource: runc's (Description, Slice or
 * Wants, Delegate, PIDs, accounting on, DefaultDependencies off).
 */
export function unitStartProperties(u: UnitStart): UnitProperty[] {
  const props: UnitProperty[] = [str('Description', `ocirt container ${u.name}`)];
  if (u.unitType === 'slice') {
    props.push({ name: 'Wants', signature: 'as', value: [u.slice] });
  } else {
    props.push(str('Slice', u.slice));
    props.push(bool('Delegate', true));
    if (u.pid !== undefined) props.push({ name: 'PIDs', signature: 'au', value: [u.pid] });
  }
  props.push(
    bool('MemoryAccounting', true),
    bool('CPUAccounting', true),
    bool(u.cgroupVersion === 2 ? 'IOAccounting' : 'BlockIOAccounting', true),
    bool('TasksAccounting', true),
    bool('DefaultDependencies', false),
  );
  return props;
}

export interface ResourcePropertyOptions {
  cgroupVersion: 1 | 2;
  /** The manager's version (Manager.Version); properties newer than it are left to the files. */
  systemdVersion: number;
  /** `update`: device rules stay as they are (as the cgroupfs drivers), OOMPolicy cannot change. */
  update: boolean;
  /** JSON pointer of linux.resources ("" for update's input). */
  at: string;
  /** The memory limit in place, for a swap limit given alone in an update (-1: max). */
  currentMemoryLimit?: () => number;
  /** /proc/devices, for "c 10:* rwm" style rules (DeviceAllow takes a group name). */
  procDevices?: () => string;
  /** Whether /dev/char/M:m (or /sys/dev/char/M:m) exists, for DeviceAllow paths. */
  deviceNodeExists?: (path: string) => boolean;
  warn?: (message: string) => void;
}

export interface ResourceProperties {
  properties: UnitProperty[];
  /**
   * The resources the files are to get: as given, except a CPU quota rounded up as
   * systemd rounds CPUQuotaPerSecUSec, so that the file and the unit agree.
   */
  resources: LinuxResources;
}

/**
 * linux.resources → unit properties, the ones runc sets (the files written after the
 * unit exists carry everything else): memory, CPU weight from shares with the same
 * conversion the cgroupfs driver uses, CPU quota per second and period, tasks, cpuset
 * masks, IO weight, the device allow list, and the unified keys systemd has names for.
 */
export function resourceProperties(res: LinuxResources, o: ResourcePropertyOptions): ResourceProperties {
  const props: UnitProperty[] = [];
  const out: LinuxResources = { ...res };
  const v2 = o.cgroupVersion === 2;

  if (!o.update) props.push(...deviceProperties(res.devices, o));

  const mem = res.memory;
  if (mem) {
    const limit = mem.limit ?? 0;
    if (limit !== 0) props.push(u64(v2 ? 'MemoryMax' : 'MemoryLimit', limit < 0 ? INFINITY : limit));
    if (v2 && mem.reservation) props.push(u64('MemoryLow', mem.reservation < 0 ? INFINITY : mem.reservation));
    const swapGiven = mem.swap ?? 0;
    if (v2 && swapGiven !== 0) {
      const effective = limit !== 0 ? limit : (o.currentMemoryLimit?.() ?? 0);
      const swap = swapToV2(swapGiven, effective, `${o.at}/memory/swap`);
      if (swap !== 0) props.push(u64('MemorySwapMax', swap < 0 ? INFINITY : swap));
    }
  }

  const cpu = res.cpu;
  if (cpu) {
    if (v2) {
      const idle = cpu.idle === 1 && o.systemdVersion >= SINCE.cpuIdle;
      if (idle) props.push(u64('CPUWeight', 0));
      if (cpu.shares) {
        if (idle) o.warn?.(`${o.at}/cpu/shares: not given to systemd: CPUWeight is 0 for cpu.idle (the file cpu.weight still gets it)`);
        else props.push(u64('CPUWeight', sharesToWeight(cpu.shares)));
      }
    } else if (cpu.shares) {
      props.push(u64('CPUShares', cpu.shares));
    }
    const q = cpuQuotaProperties(cpu.quota ?? 0, cpu.period ?? 0, o.systemdVersion);
    props.push(...q.properties);
    if (q.quota !== (cpu.quota ?? 0)) out.cpu = { ...cpu, quota: q.quota };
  }

  const pids = res.pids?.limit;
  // 0 is a real limit (runc 1.4, runtime-spec 1.3); systemd refuses TasksMax=0, so it is 1, as pidsMax says.
  if (pids !== undefined) props.push(u64('TasksMax', pids < 0 ? INFINITY : Math.max(pids, 1)));

  if (cpu && o.systemdVersion >= SINCE.allowedCpus) {
    if (cpu.cpus) props.push({ name: 'AllowedCPUs', signature: 'ay', value: rangeToBits(cpu.cpus, `${o.at}/cpu/cpus`) });
    if (cpu.mems) props.push({ name: 'AllowedMemoryNodes', signature: 'ay', value: rangeToBits(cpu.mems, `${o.at}/cpu/mems`) });
  }

  const weight = res.blockIO?.weight;
  if (weight) props.push(v2 ? u64('IOWeight', blkioWeightToIoWeight(weight)) : u64('BlockIOWeight', weight));

  if (v2 && res.unified) props.push(...unifiedProperties(res.unified, o));
  return { properties: props, resources: out };
}

/**
 * CPUQuotaPerSecUSec (and CPUQuotaPeriodUSec): quota per second of CPU time, which
 * systemd keeps as a whole percentage; runc rounds it up to the next 10 ms and writes
 * the quota that matches to the file too. A period alone sets the quota to infinity.
 */
export function cpuQuotaProperties(quota: number, period: number, systemdVersion: number): { properties: UnitProperty[]; quota: number } {
  const props: UnitProperty[] = [];
  if (period !== 0 && systemdVersion >= SINCE.cpuQuotaPeriod) props.push(u64('CPUQuotaPeriodUSec', period));
  if (quota === 0 && period === 0) return { properties: props, quota };
  let perSec = INFINITY;
  let rounded = quota;
  if (quota > 0) {
    const p = period || DEFAULT_CPU_PERIOD;
    let usec = Math.floor((quota * 1000000) / p);
    if (usec % 10000 !== 0) {
      usec = (Math.floor(usec / 10000) + 1) * 10000;
      rounded = Math.floor((usec * p) / 1000000);
    }
    perSec = formatInt(usec);
  }
  props.push(u64('CPUQuotaPerSecUSec', perSec));
  return { properties: props, quota: rounded };
}

/**
 * "0-2,7" → the bytes of a CPU (or NUMA node) mask as AllowedCPUs takes it: byte 0
 * holds CPUs 0..7, its lowest bit CPU 0.
 */
export function rangeToBits(list: string, pointer: string): Buffer {
  const bits: number[] = [];
  for (const raw of list.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new OcirtError(`${pointer}: ${JSON.stringify(list)} is not a list of numbers and ranges ("0-3,7")`);
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    if (end < start) throw new OcirtError(`${pointer}: invalid range ${JSON.stringify(part)} (end before start)`);
    if (end > 65535) throw new OcirtError(`${pointer}: ${end} is beyond any CPU or memory node number`);
    for (let i = start; i <= end; i++) bits.push(i);
  }
  if (bits.length === 0) throw new OcirtError(`${pointer}: empty list`);
  const out = Buffer.alloc(Math.floor(Math.max(...bits) / 8) + 1);
  for (const b of bits) out[b >> 3] |= 1 << (b & 7);
  return out;
}

/**
 * The device rules as DevicePolicy/DeviceAllow (runc's translation): systemd takes
 * only an allow list, so the rules' end state is computed first (as the v1 kernel
 * would), "c 1:3" becomes /dev/char/1:3, "c 136:*" the group name from /proc/devices
 * ("char-pts"), "c *:*" "char-*". What systemd cannot express stays with the eBPF
 * program the cgroupfs part loads, which enforces the exact rules in any case.
 */
export function deviceProperties(config: LinuxResources['devices'], o: Pick<ResourcePropertyOptions, 'procDevices' | 'deviceNodeExists' | 'warn'>): UnitProperty[] {
  const state = emulateDeviceRules(containerDeviceRules(config));
  const policy = (p: string, allow: Array<[string, string]>): UnitProperty[] => [
    str('DevicePolicy', p),
    { name: 'DeviceAllow', signature: 'a(ss)', value: allow },
  ];
  if (state.defaultAllow) {
    if (state.exceptions.length === 0) return policy('auto', []);
    o.warn?.('/linux/resources/devices: systemd takes no deny rules: the unit denies every device and the eBPF program applies the rules');
    return policy('strict', []);
  }
  const allow: Array<[string, string]> = [];
  for (const rule of state.exceptions) {
    const entry = deviceAllowPath(rule, o);
    if (entry) allow.push([entry, rule.access]);
  }
  return policy('strict', allow);
}

function deviceAllowPath(rule: DeviceRule, o: Pick<ResourcePropertyOptions, 'procDevices' | 'deviceNodeExists' | 'warn'>): string | undefined {
  const kind = rule.type === 'b' ? 'block' : 'char';
  if (rule.major < 0) {
    if (rule.minor >= 0) {
      o.warn?.(`/linux/resources/devices: systemd takes no "*:minor" rule; left to the eBPF program: ${deviceRuleLine(rule)}`);
      return undefined;
    }
    return `${kind}-*`;
  }
  if (rule.minor < 0) {
    const group = deviceGroup(o.procDevices?.() ?? '', kind, rule.major);
    if (!group) o.warn?.(`/linux/resources/devices: no ${kind} device group with major ${rule.major} in /proc/devices; left to the eBPF program: ${deviceRuleLine(rule)}`);
    return group;
  }
  const node = `/dev/${kind}/${rule.major}:${rule.minor}`;
  const exists = o.deviceNodeExists ?? (() => true);
  if (!exists(node) && !exists(`/sys${node}`)) return undefined; // systemd warns about a missing path; the eBPF program covers it
  return node;
}

/** "char-pts" for char major 136, from /proc/devices' "Character devices:" section. */
export function deviceGroup(procDevices: string, kind: 'char' | 'block', major: number): string | undefined {
  let section = '';
  for (const line of procDevices.split('\n')) {
    const t = line.trim();
    if (t === 'Character devices:') section = 'char';
    else if (t === 'Block devices:') section = 'block';
    else if (section === kind) {
      const m = /^(\d+)\s+(\S+)$/.exec(t);
      if (m && Number(m[1]) === major) return `${kind}-${m[2]}`;
    }
  }
  return undefined;
}

/** linux.resources.unified keys systemd has a property for (runc's list); the files get them all anyway. */
function unifiedProperties(unified: Record<string, string>, o: ResourcePropertyOptions): UnitProperty[] {
  const props: UnitProperty[] = [];
  const pointer = (key: string) => `${o.at}/unified/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  const uint = (key: string, v: string, allowMax: boolean): string => {
    if (allowMax && v === 'max') return INFINITY;
    if (!/^\d+$/.test(v)) throw new OcirtError(`${pointer(key)}: ${JSON.stringify(v)} is not ${allowMax ? '"max" or ' : ''}a whole number`);
    return v;
  };
  const memory: Record<string, string> = {
    'memory.high': 'MemoryHigh',
    'memory.low': 'MemoryLow',
    'memory.min': 'MemoryMin',
    'memory.max': 'MemoryMax',
    'memory.swap.max': 'MemorySwapMax',
  };
  for (const [key, raw] of Object.entries(unified)) {
    const v = raw.trim();
    if (key in memory) props.push(u64(memory[key], uint(key, v, true)));
    else if (key === 'pids.max') props.push(u64('TasksMax', uint(key, v, true)));
    else if (key === 'cpu.weight') props.push(u64('CPUWeight', uint(key, v, false)));
    else if (key === 'cpu.max') {
      const [q, p] = v.split(/\s+/);
      const quota = q === 'max' ? 0 : Number(uint(key, q, false));
      const period = p === undefined ? DEFAULT_CPU_PERIOD : Number(uint(key, p, false));
      props.push(...cpuQuotaProperties(quota, period, o.systemdVersion).properties);
    } else if ((key === 'cpuset.cpus' || key === 'cpuset.mems') && o.systemdVersion >= SINCE.allowedCpus) {
      props.push({ name: key === 'cpuset.cpus' ? 'AllowedCPUs' : 'AllowedMemoryNodes', signature: 'ay', value: rangeToBits(v, pointer(key)) });
    } else if (key === 'memory.oom.group' && !o.update && o.systemdVersion >= SINCE.oomPolicy) {
      // Only at creation: systemd does not change OOMPolicy on a running scope.
      if (v === '0' || v === '1') props.push(str('OOMPolicy', v === '1' ? 'kill' : 'continue'));
    }
  }
  return props;
}
