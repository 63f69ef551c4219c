import { OcirtError } from '../native/error';
import { matchKeysAsGo } from '../spec/key-case';
import { schemaKeys } from '../spec/normalize';
import type { LinuxResources } from '../spec/types-resources';

/**
 * The input of `update`: runc's flags, or a LinuxResources JSON document (--resources
 * FILE, or - for stdin, as containerd and podman send it). The document is checked
 * field by field (a typo would otherwise change nothing, silently); errors name the JSON
 * pointer inside the document.
 */

export interface UpdateFlags {
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  kernelMemory?: string;
  kernelMemoryTcp?: string;
  cpuQuota?: string;
  cpuPeriod?: string;
  cpuBurst?: string;
  cpuShares?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpuIdle?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  blkioWeight?: string;
}

/** runc's flags → LinuxResources (sizes as docker's RAMInBytes: 512m, 1g, 100000). */
export function resourcesFromFlags(f: UpdateFlags): LinuxResources {
  const r: LinuxResources = {};
  const mem = (r.memory = {} as NonNullable<LinuxResources['memory']>);
  const cpu = (r.cpu = {} as NonNullable<LinuxResources['cpu']>);
  if (f.memory !== undefined) mem.limit = sizeFlag('memory', f.memory);
  if (f.memorySwap !== undefined) mem.swap = sizeFlag('memory-swap', f.memorySwap);
  if (f.memoryReservation !== undefined) mem.reservation = sizeFlag('memory-reservation', f.memoryReservation);
  if (f.kernelMemory !== undefined) mem.kernel = sizeFlag('kernel-memory', f.kernelMemory);
  if (f.kernelMemoryTcp !== undefined) mem.kernelTCP = sizeFlag('kernel-memory-tcp', f.kernelMemoryTcp);
  if (f.cpuQuota !== undefined) cpu.quota = intFlag('cpu-quota', f.cpuQuota, true);
  if (f.cpuPeriod !== undefined) cpu.period = intFlag('cpu-period', f.cpuPeriod, false);
  if (f.cpuBurst !== undefined) cpu.burst = intFlag('cpu-burst', f.cpuBurst, false);
  if (f.cpuShares !== undefined) cpu.shares = intFlag('cpu-share', f.cpuShares, false);
  if (f.cpuRtPeriod !== undefined) cpu.realtimePeriod = intFlag('cpu-rt-period', f.cpuRtPeriod, false);
  if (f.cpuRtRuntime !== undefined) cpu.realtimeRuntime = intFlag('cpu-rt-runtime', f.cpuRtRuntime, true);
  if (f.cpuIdle !== undefined) cpu.idle = intFlag('cpu-idle', f.cpuIdle, true);
  if (f.cpusetCpus) cpu.cpus = f.cpusetCpus;
  if (f.cpusetMems) cpu.mems = f.cpusetMems;
  if (f.pidsLimit !== undefined) r.pids = { limit: intFlag('pids-limit', f.pidsLimit, true) };
  if (f.blkioWeight !== undefined) {
    const w = intFlag('blkio-weight', f.blkioWeight, false);
    if (w !== 0) r.blockIO = { weight: w };
  }
  if (Object.keys(mem).length === 0) delete r.memory;
  if (Object.keys(cpu).length === 0) delete r.cpu;
  return r;
}

function intFlag(name: string, value: string, signed: boolean): number {
  if (!(signed ? /^-?\d+$/ : /^\d+$/).test(value.trim())) {
    throw new OcirtError(`invalid value for --${name}: ${JSON.stringify(value)} is not ${signed ? 'an integer' : 'a non-negative integer'}`);
  }
  return Number(value.trim());
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** "-1", "1048576", "512m", "1.5g", "100MiB": binary units, as docker's RAMInBytes. */
export function sizeFlag(name: string, value: string): number {
  const v = value.trim();
  if (v === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s?([kmgtp])?(?:i?b)?$/i.exec(v);
  if (!m) throw new OcirtError(`invalid value for --${name}: invalid size: ${JSON.stringify(value)}`);
  return Math.trunc(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]);
}

type Shape = 'int' | 'bool' | 'string' | { object: Record<string, Shape> } | { list: Shape } | { map: Shape };

const DEVICE_LIMIT: Shape = { object: { major: 'int', minor: 'int', rate: 'int' } };
const RESOURCES: Shape = {
  object: {
    devices: { list: { object: { allow: 'bool', type: 'string', major: 'int', minor: 'int', access: 'string' } } },
    memory: {
      object: {
        limit: 'int', reservation: 'int', swap: 'int', kernel: 'int', kernelTCP: 'int', swappiness: 'int',
        disableOOMKiller: 'bool', useHierarchy: 'bool', checkBeforeUpdate: 'bool',
      },
    },
    cpu: {
      object: {
        shares: 'int', quota: 'int', burst: 'int', period: 'int', realtimeRuntime: 'int', realtimePeriod: 'int',
        cpus: 'string', mems: 'string', idle: 'int',
      },
    },
    pids: { object: { limit: 'int' } },
    blockIO: {
      object: {
        weight: 'int', leafWeight: 'int',
        weightDevice: { list: { object: { major: 'int', minor: 'int', weight: 'int', leafWeight: 'int' } } },
        throttleReadBpsDevice: { list: DEVICE_LIMIT },
        throttleWriteBpsDevice: { list: DEVICE_LIMIT },
        throttleReadIOPSDevice: { list: DEVICE_LIMIT },
        throttleWriteIOPSDevice: { list: DEVICE_LIMIT },
      },
    },
    hugepageLimits: { list: { object: { pageSize: 'string', limit: 'int' } } },
    network: { object: { classID: 'int', priorities: { list: { object: { name: 'string', priority: 'int' } } } } },
    rdma: { map: { object: { hcaHandles: 'int', hcaObjects: 'int' } } },
    unified: { map: 'string' },
  },
};

/**
 * Parses and checks a LinuxResources document; `source` names it in errors and in the
 * warnings `warn` gets for keys taken in the spec's spelling ("CPU" is "cpu", as runc's
 * Go decoder reads it).
 */
export function parseResourcesJson(text: string, source: string, warn?: (message: string) => void): LinuxResources {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new OcirtError(`${source}: not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null) return {};
  const value = matchKeysAsGo(parsed, schemaKeys().p?.linux?.p?.resources, '', (pointer, reason) => warn?.(`${source}: ${pointer}: ${reason}`));
  checkShape(value, RESOURCES, '', source);
  return stripNulls(value) as LinuxResources;
}

/** Go's encoding/json takes null as "not set": drop such keys. */
function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = stripNulls(v);
  return out;
}

function checkShape(value: unknown, shape: Shape, at: string, source: string): void {
  const fail = (why: string): never => {
    throw new OcirtError(`${source}: ${at || '/'}: ${why}`);
  };
  if (value === null) return; // "not set", dropped by stripNulls
  if (shape === 'int') {
    if (typeof value !== 'number' || !Number.isInteger(value)) fail(`must be an integer, got ${JSON.stringify(value)}`);
  } else if (shape === 'bool') {
    if (typeof value !== 'boolean') fail(`must be true or false, got ${JSON.stringify(value)}`);
  } else if (shape === 'string') {
    if (typeof value !== 'string') fail(`must be a string, got ${JSON.stringify(value)}`);
  } else if ('list' in shape) {
    if (!Array.isArray(value)) fail('must be a list');
    (value as unknown[]).forEach((v, i) => checkShape(v, shape.list, `${at}/${i}`, source));
  } else {
    if (typeof value !== 'object' || Array.isArray(value)) fail('must be an object');
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const key = `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if ('map' in shape) {
        checkShape(v, shape.map, key, source);
        continue;
      }
      const sub = shape.object[k];
      if (!sub) {
        throw new OcirtError(`${source}: ${key}: unknown key (expected one of ${Object.keys(shape.object).join(', ')})`);
      }
      checkShape(v, sub, key, source);
    }
  }
}
