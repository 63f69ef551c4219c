import * as fs from 'node:fs';
import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import { isDeadState, readProcStat } from '../state/liveness';
import { sleepMs } from '../util/sleep';

/**
 * Signals pid only if it is still the process that started at startTime. The pidfd
 * pins the process first, so a pid reused after the check cannot be hit.
 * Returns false when the process is already gone.
 */
export function signalIfSame(pid: number, startTime: string, signal: number): boolean {
  let pidfd: number;
  try {
    pidfd = native().pidfdOpen(pid);
  } catch (err) {
    if ((err as { errno?: number }).errno === 3 /* ESRCH */) return false;
    throw OcirtError.fromNode(`pidfd_open ${pid}`, err);
  }
  try {
    const stat = readProcStat(pid);
    if (!stat || stat.startTime !== startTime || isDeadState(stat.state)) return false;
    native().pidfdSendSignal(pidfd, signal);
    return true;
  } catch (err) {
    if ((err as { errno?: number }).errno === 3) return false;
    throw OcirtError.fromNode(`signal ${signal} to pid ${pid}`, err);
  } finally {
    fs.closeSync(pidfd);
  }
}

/** Waits until pid is gone or a zombie (it has then left its cgroups). */
export function waitGone(pid: number, startTime: string, timeoutMs = 10_000): boolean {
  for (let waited = 0; waited <= timeoutMs; waited += 1) {
    const stat = readProcStat(pid);
    if (!stat || stat.startTime !== startTime || isDeadState(stat.state)) return true;
    sleepMs(1);
  }
  return false;
}
