/**
 * process.execCPUAffinity → CPU masks for sched_setaffinity(2). The spec applies it to
 * processes started with `exec` only, not to the container's init: `initial` is the
 * affinity the exec'd process starts with (before it joins the container's cgroup),
 * `final` the one it is given just before execve, as runc does.
 */
import type { CPUAffinity } from '../spec/types';
import type { PlanProcessAttributes } from './init-plan';
import { planError, pointer } from './plan-error';

/** Highest CPU or node id accepted in a list (runc's MaxCPU): bounds the mask size. */
export const MAX_ID = 65535;

/**
 * A list such as "0-3,7" as a bit mask in 64-bit words (decimal strings, lowest ids
 * first), with the highest id; null for an empty list.
 */
export function idMask(list: string, at: string): { words: string[]; highest: number } | null {
  const ids: number[] = [];
  for (const raw of list.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const m = /^([0-9]+)(?:\s*-\s*([0-9]+))?$/.exec(part);
    if (!m) throw planError(at, `"${part}" is not a number or a range like 0-3`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw planError(at, `range "${part}" is backwards`);
    if (hi > MAX_ID) throw planError(at, `${hi} is above the largest supported id ${MAX_ID}`);
    for (let id = lo; id <= hi; id++) ids.push(id);
  }
  if (ids.length === 0) return null;
  const highest = Math.max(...ids);
  const words = new Array<bigint>(Math.floor(highest / 64) + 1).fill(0n);
  for (const id of ids) words[Math.floor(id / 64)] |= 1n << BigInt(id % 64);
  return { words: words.map((w) => w.toString()), highest };
}

export type PlanCpuAffinity = NonNullable<PlanProcessAttributes['cpuAffinity']>;

export function translateCpuAffinity(a: CPUAffinity | undefined, base: string[] = ['process', 'execCPUAffinity']): PlanCpuAffinity | null {
  if (!a) return null;
  const initial = a.initial ? idMask(a.initial, pointer(...base, 'initial')) : null;
  const final = a.final ? idMask(a.final, pointer(...base, 'final')) : null;
  if (!initial && !final) return null;
  return { initial: initial?.words ?? null, final: final?.words ?? null };
}
