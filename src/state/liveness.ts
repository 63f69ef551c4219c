import * as fs from 'node:fs';

/**
 * Liveness of a container's init: its pid plus the start time from /proc/<pid>/stat, so
 * that a pid reused by another process is never taken for the init (nor signalled).
 */

export interface ProcStat {
  /** Field 2, without the parentheses; it may itself contain spaces and parentheses. */
  comm: string;
  /** Field 3: R, S, D, Z, T, t, X, I... */
  state: string;
  /** Field 22: start time in clock ticks since boot, as a decimal string. */
  startTime: string;
}

/**
 * Parses the text of /proc/<pid>/stat. The comm field is the only one that can hold
 * spaces or parentheses, so the fields after it are split after the LAST ')'.
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // After ") ": field 3 (state) is rest[0], so field 22 is rest[19].
  const rest = text.slice(close + 2).split(' ');
  if (rest.length < 20) return null;
  const state = rest[0];
  const startTime = rest[19];
  if (state.length !== 1 || !/^[0-9]+$/.test(startTime)) return null;
  return { comm: text.slice(open + 1, close), state, startTime };
}

/** /proc/<pid>/stat of a live (or zombie) process; null when there is none. */
export function readProcStat(pid: number): ProcStat | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  return parseProcStat(text);
}

/** Start time (field 22) of `pid`, or null when there is no such process. */
export function readStartTime(pid: number): string | null {
  return readProcStat(pid)?.startTime ?? null;
}

/** State character (field 3) of `pid`, or null when there is no such process. */
export function processState(pid: number): string | null {
  return readProcStat(pid)?.state ?? null;
}

/** Zombie and dead processes count as stopped, as in runc. */
export function isDeadState(state: string): boolean {
  return state === 'Z' || state === 'X' || state === 'x';
}

/**
 * True when `pid` is alive, is not a zombie, and started at `startTime`: it is still the
 * process that was recorded, not a later one that got the same pid.
 */
export function isSameProcess(pid: number, startTime: string): boolean {
  const stat = readProcStat(pid);
  return stat !== null && stat.startTime === startTime && !isDeadState(stat.state);
}
