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
}

/**
 * process.capabilities → one bitmask per set, as decimal strings (bits reach 40).
 *
 * Without process.capabilities runc leaves the capabilities alone: the init keeps the
 * full set it has as root, so a root process ends with every capability and a non-root
 * one with none (setuid drops them and execve does not give them back). The plan
 * cannot say "leave alone", so this is written out as every known capability in
 * bounding, effective and permitted, and nothing inheritable or ambient, which ends the
 * same after execve.
 */
export function translateCapabilities(caps: Capabilities | undefined, options: CapabilityOptions = {}): PlanCapabilities {
  const known = allKnownMask(options.capLastCap);
  if (caps === undefined) {
    const all = known.toString();
    return { bounding: all, effective: all, inheritable: '0', permitted: all, ambient: '0' };
  }
  const out = {} as PlanCapabilities;
  for (const set of CAPABILITY_SETS) {
    let mask = 0n;
    (caps[set] ?? []).forEach((name, i) => {
      if (!isCapabilityName(name)) {
        if (options.unknown === 'ignore') return;
        throw planError(pointer('process', 'capabilities', set, i), `unknown capability ${JSON.stringify(name)}`);
      }
      mask |= 1n << BigInt(CAPABILITY_NUMBERS[name]);
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
