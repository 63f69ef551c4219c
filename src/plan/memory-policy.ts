/**
 * linux.memoryPolicy → set_mempolicy(2) arguments: the MPOL_* mode ORed with its
 * MPOL_F_* flags, and the node mask. The combinations the kernel refuses (nodes with
 * MPOL_DEFAULT, none with MPOL_BIND...) are checked with the rest of the config
 * (src/spec/semantic-linux.ts).
 */
import type { LinuxMemoryPolicy, MemoryPolicyFlag, MemoryPolicyMode } from '../spec/types';
import type { PlanMemoryPolicy } from './init-plan';
import { idMask } from './cpu-affinity';
import { planError, pointer } from './plan-error';

export const MPOL_MODES: Record<MemoryPolicyMode, number> = {
  MPOL_DEFAULT: 0,
  MPOL_PREFERRED: 1,
  MPOL_BIND: 2,
  MPOL_INTERLEAVE: 3,
  MPOL_LOCAL: 4,
  MPOL_PREFERRED_MANY: 5,
  MPOL_WEIGHTED_INTERLEAVE: 6,
};

export const MPOL_FLAGS: Record<MemoryPolicyFlag, number> = {
  MPOL_F_NUMA_BALANCING: 1 << 13,
  MPOL_F_RELATIVE_NODES: 1 << 14,
  MPOL_F_STATIC_NODES: 1 << 15,
};

export function translateMemoryPolicy(mp: LinuxMemoryPolicy | undefined): PlanMemoryPolicy | undefined {
  if (!mp) return undefined;
  const at = (...rest: Array<string | number>) => pointer('linux', 'memoryPolicy', ...rest);
  let mode = MPOL_MODES[mp.mode];
  if (mode === undefined) throw planError(at('mode'), `invalid memory policy mode ${JSON.stringify(mp.mode)}`);
  (mp.flags ?? []).forEach((f, i) => {
    const bit = MPOL_FLAGS[f];
    if (bit === undefined) throw planError(at('flags', i), `invalid memory policy flag ${JSON.stringify(f)}`);
    mode |= bit;
  });
  const mask = idMask(mp.nodes ?? '', at('nodes'));
  // The kernel reads maxnode - 1 bits.
  return mask ? { mode, nodeMask: mask.words, maxNode: mask.words.length * 64 + 1 } : { mode, nodeMask: [], maxNode: 0 };
}
