import { CAPABILITY_NUMBERS, isCapabilityName } from '../spec/capabilities';
import type { Capabilities, CapabilitySet } from '../spec/types';
import type { PlanCapabilities } from './init-plan';
import { planError, pointer } from './plan-error';

export const CAPABILITY_SETS: readonly CapabilitySet[] = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'];

export interface CapabilityOptions {
  /** 'error' (default): an unknown name is refused; 'ignore': dropped, as runc does with a warning. */
  unknown?: 'error' | 'ignore';
  /** Highest capability the kernel knows (/proc/sys/kernel/cap_last_cap); higher ones are dropped like runc. */
  capLastCap?: number;
  /**
   * The runtime's own bounding set (CapBnd), when the process stays in the runtime's user
   * namespace: a capability outside it cannot be granted there (capset fails with EPERM),
   * so asking for it in effective, permitted or inheritable is refused with its pointer.
   * Absent when the process gets a user namespace of its own, where every capability of
   * that namespace is there to be given.
   */
  hostBounding?: bigint;
}

/** The sets capset(2) must be able to grant; bounding only drops and ambient raises are best effort. */
const GRANTED_SETS: readonly CapabilitySet[] = ['effective', 'permitted', 'inheritable'];

/**
 * process.capabilities → one bitmask per set, as decimal strings (bits reach 40).
 *
 * Without process.capabilities every set is empty, the bounding set too, as runc does
 * (an absent object is an empty one): the process runs with no capability at all, even
 * as root, and on a host whose bounding set lacks some capability nothing is asked of
 * capset that it could refuse.
 */
export function translateCapabilities(caps: Capabilities | undefined, options: CapabilityOptions = {}): PlanCapabilities {
  const known = allKnownMask(options.capLastCap);
  if (caps === undefined) return { bounding: '0', effective: '0', inheritable: '0', permitted: '0', ambient: '0' };
  const out = {} as PlanCapabilities;
  for (const set of CAPABILITY_SETS) {
    let mask = 0n;
    (caps[set] ?? []).forEach((name, i) => {
      if (!isCapabilityName(name)) {
        if (options.unknown === 'ignore') return;
        throw planError(pointer('process', 'capabilities', set, i), `unknown capability ${JSON.stringify(name)}`);
      }
      const bit = 1n << BigInt(CAPABILITY_NUMBERS[name]);
      if (options.hostBounding !== undefined && GRANTED_SETS.includes(set) && (bit & known) !== 0n && (options.hostBounding & bit) === 0n) {
        throw planError(
          pointer('process', 'capabilities', set, i),
          `${name} is not in the runtime's capability bounding set, so a process without a user namespace of its own cannot be given it (the host, or the container ocirt runs in, lacks it)`,
        );
      }
      mask |= bit;
    });
    out[set] = (mask & known).toString();
  }
  return out;
}

function allKnownMask(capLastCap: number | undefined): bigint {
  let mask = 0n;
  for (const bit of Object.values(CAPABILITY_NUMBERS)) {
    if (capLastCap === undefined || bit <= capLastCap) mask |= 1n << BigInt(bit);
  }
  return mask;
}
