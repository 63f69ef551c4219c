import * as fs from 'node:fs';

/**
 * The caller's hard resource limits by RLIMIT_* number, from /proc/self/limits (its
 * rows are in resource-number order); "unlimited" is undefined. Without CAP_SYS_RESOURCE
 * in the host's user namespace none can be raised, also not inside a new one.
 */
export function hardLimits(text: string = readOr('/proc/self/limits')): Map<number, bigint | undefined> {
  const out = new Map<number, bigint | undefined>();
  text
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .forEach((line, resource) => {
      const cols = line.trim().split(/\s{2,}/);
      const hard = cols[2];
      if (hard === undefined) return;
      out.set(resource, hard === 'unlimited' ? undefined : BigInt(hard));
    });
  return out;
}

/** The caller's oom_score_adj: a process without CAP_SYS_RESOURCE cannot go below it. */
export function ownOomScoreAdj(text: string = readOr('/proc/self/oom_score_adj')): number {
  const n = Number.parseInt(text.trim(), 10);
  return Number.isInteger(n) ? n : 0;
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
