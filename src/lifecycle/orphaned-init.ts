import * as fs from 'node:fs';
import { readStartTime } from '../state/liveness';
import { signalIfSame, waitGone } from './signal-process';

const SIGKILL = 9;

/**
 * A create that failed before the init's pid was reported (its bootstrap was killed
 * between fork and report) may have left the init waiting in the new cgroup. Only
 * processes that are still ocirt-init (running from its sealed memfd) are killed, so a
 * cgroupsPath shared with other processes never costs them anything.
 */
export function killOrphanedInits(pids: number[]): void {
  for (const pid of pids) {
    let exe = '';
    try {
      exe = fs.readlinkSync(`/proc/${pid}/exe`);
    } catch {
      continue;
    }
    if (!exe.startsWith('/memfd:ocirt-init')) continue;
    const start = readStartTime(pid);
    if (start && signalIfSame(pid, start, SIGKILL)) waitGone(pid, start, 1000);
  }
}
