import { readStartTime } from '../state/liveness';
import { signalIfSame } from '../lifecycle/signal-process';

export interface Freezable {
  pids(): number[];
  isFrozen(): boolean;
  /** Whether freeze() can work (a freezer exists for the cgroup). */
  canFreeze(): boolean;
  freeze(): void;
  thaw(): void;
}

/**
 * Signals every process of a cgroup without a race against forks: freeze, signal each
 * pid, thaw (runc's signalAllProcesses). A paused container stays paused. Each signal
 * goes through a pidfd checked against the start time, so a pid that exited and was
 * reused in between is never hit.
 */
export function signalAllProcesses(cg: Freezable, signal: number): void {
  const wasFrozen = cg.isFrozen();
  const freeze = !wasFrozen && cg.canFreeze();
  if (freeze) cg.freeze();
  try {
    for (const pid of cg.pids()) {
      const start = readStartTime(pid);
      if (start) signalIfSame(pid, start, signal);
    }
  } finally {
    if (freeze) cg.thaw();
  }
}
