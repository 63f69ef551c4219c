import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import type { PlanRlimit } from '../plan/init-plan';
import { RLIMIT_NUMBERS } from '../spec/rlimits';

/**
 * The runtime's half of PlanProcess.rlimitsByRuntime: when the init (or an exec'd
 * process) asks with {"type":"rlimits"}, it is waiting in its user namespace, where its
 * own setrlimit could not raise a hard limit; the runtime, still in the initial user
 * namespace, sets them with prlimit(2). The process is blocked until the ack, so its pid
 * cannot have been reused.
 */
export function setProcessRlimits(pid: number, rlimits: readonly PlanRlimit[]): void {
  for (const r of rlimits) {
    try {
      native().setRlimit(pid, r.resource, r.soft, r.hard);
    } catch (err) {
      const e = err as { errno?: number };
      const what = `rlimits: prlimit ${rlimitName(r.resource)} soft ${r.soft} hard ${r.hard}`;
      if (typeof e.errno !== 'number') throw OcirtError.fromNode(what, err);
      throw OcirtError.fromSys(what, { errno: e.errno, syscall: 'prlimit', stage: 'rlimits' });
    }
  }
}

function rlimitName(resource: number): string {
  return Object.entries(RLIMIT_NUMBERS).find(([, n]) => n === resource)?.[0] ?? `resource ${resource}`;
}
