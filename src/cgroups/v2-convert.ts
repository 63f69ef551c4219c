import { OcirtError } from '../native/error';

/**
 * cgroup v1 values in the OCI spec → cgroup v2 ones, with the formulas runc and crun
 * share (libcontainer/cgroups/utils.go).
 */

/**
 * cpu.shares (2..262144, default 1024) → cpu.weight (1..10000, default 100): a
 * quadratic in log2(shares) through (2, 1), (1024, 100) and (262144, 10000).
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return Math.ceil(Math.pow(10, exponent));
}

/** blkio.weight (10..1000) → io.weight (1..10000), linearly. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * The OCI swap value is memory+swap; memory.swap.max is swap alone. Returns the value
 * for memory.swap.max (-1: "max", 0: leave it) given the memory limit in effect.
 */
export function swapToV2(swap: number, memory: number, pointer: string): number {
  if (memory === -1 && swap === 0) return -1; // unlimited memory: unlimited swap too
  if (swap === -1 || swap === 0) return swap;
  if (memory === -1) return swap;
  if (memory === 0) throw new OcirtError(`${pointer}: a swap limit needs a memory limit (memory+swap is given, not swap alone)`);
  if (memory < 0) throw new OcirtError(`${pointer}: invalid memory limit ${memory}`);
  if (swap < memory) throw new OcirtError(`${pointer}: memory+swap (${swap}) must be >= the memory limit (${memory})`);
  return swap - memory;
}
