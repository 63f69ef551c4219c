import { RLIMIT_NUMBERS, isRlimitName } from '../spec/rlimits';
import type { Rlimit } from '../spec/types';
import type { PlanRlimit } from './init-plan';
import { planError, pointer } from './plan-error';

/** RLIM_INFINITY as the kernel sees it (uint64 max). */
export const RLIM_INFINITY = '18446744073709551615';
const UINT64_MAX = 18446744073709551615n;

/**
 * process.rlimits → resource numbers and decimal limits. JSON numbers beyond 2^53 are
 * already rounded by JSON.parse; anything at or above 2^64 - 1 (how "unlimited" arrives)
 * is RLIM_INFINITY.
 */
export function translateRlimits(rlimits: readonly Rlimit[] | undefined): PlanRlimit[] {
  return (rlimits ?? []).map((rl, i) => {
    if (!isRlimitName(rl.type)) {
      throw planError(pointer('process', 'rlimits', i, 'type'), `unknown rlimit ${JSON.stringify(rl.type)}`);
    }
    return {
      resource: RLIMIT_NUMBERS[rl.type],
      soft: limitString(rl.soft, pointer('process', 'rlimits', i, 'soft')),
      hard: limitString(rl.hard, pointer('process', 'rlimits', i, 'hard')),
    };
  });
}

/** A uint64 limit as a decimal string. */
export function limitString(value: number, at: string): string {
  if (!Number.isFinite(value) || value < 0 || !Number.isInteger(value)) {
    throw planError(at, `must be an unsigned integer, got ${value}`);
  }
  const big = BigInt(value);
  return big >= UINT64_MAX ? RLIM_INFINITY : big.toString();
}
