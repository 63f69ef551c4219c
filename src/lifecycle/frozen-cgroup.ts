import type { CgroupDriver } from '../cgroups/driver';
import { unexpectedlyFrozen } from '../cgroups/freezer';
import type { OcirtError } from '../native/error';
import { signalIfSame } from './signal-process';

const SIGKILL = 9;

/**
 * A frozen cgroup and `create`: the init put in it would stop (state D) wherever it is,
 * and create would wait for its next message for ever. A cgroup frozen already is
 * refused before anything is made or joined (as runc); one frozen while create waits on
 * the init ends the wait with the same error.
 */
export function refuseFrozenCgroup(cgroups: CgroupDriver): void {
  const frozen = cgroups.frozenBy();
  if (frozen) throw unexpectedlyFrozen(frozen);
}

/** How often a wait on the init looks at the freezer (a read of one or two files). */
const POLL_MS = 100;

export interface FrozenWatch {
  /** Resolves with the error once the container's cgroup is frozen; never otherwise. */
  readonly frozen: Promise<OcirtError>;
  stop(): void;
}

export function watchFrozenCgroup(cgroups: CgroupDriver): FrozenWatch {
  let timer: NodeJS.Timeout | undefined;
  const frozen = new Promise<OcirtError>((resolve) => {
    timer = setInterval(() => {
      const f = cgroups.frozenBy();
      if (f) resolve(unexpectedlyFrozen(f));
    }, POLL_MS);
    timer.unref();
  });
  return { frozen, stop: () => clearInterval(timer) };
}

/**
 * A failed create whose cgroup was frozen while it ran: a killed process frozen in it
 * (cgroup v1) dies only once thawed, so the init is sent SIGKILL and the cgroup thawed
 * before the usual teardown. Only a cgroup frozen by its own freezer that holds the
 * container's processes: one refused before the init joined is left as it was found.
 */
export function thawToKill(cgroups: CgroupDriver, init: { pid: number; startTime: string }): void {
  try {
    const f = cgroups.frozenBy();
    if (!f || f.frozen !== f.cgroup || cgroups.pids().length === 0) return;
    if (init.pid > 0) signalIfSame(init.pid, init.startTime, SIGKILL);
    cgroups.thaw();
  } catch {
    // best effort: the teardown that follows reports a cgroup it cannot remove
  }
}
