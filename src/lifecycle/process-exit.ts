import * as fs from 'node:fs';
import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import { readProcStat } from '../state/liveness';

/** How a process ended: `code` when it exited, `signal` (its number) when it was killed. */
export interface ExitStatus {
  code: number | null;
  signal: number | null;
}

/** The shell's convention, as `run` and `exec` exit: the status, or 128 + the signal. */
export function exitCodeOf(status: ExitStatus): number {
  return status.code ?? 128 + (status.signal ?? 0);
}

/**
 * A process to wait for, pinned by a pidfd (so a reused pid is never waited for) and
 * reaped on the event loop (native waitPidfd): any number of these can be pending at
 * once. Reaping needs the process to be a child of this one (its parent, or its
 * subreaper once its parent is gone).
 */
export class ProcessExit {
  private constructor(
    readonly pid: number,
    private pidfd: number,
  ) {}

  /** Pins pid if it is still the process that started at startTime (else: it is gone). */
  static open(pid: number, startTime: string, what: string): ProcessExit {
    let pidfd: number;
    try {
      pidfd = native().pidfdOpen(pid);
    } catch (err) {
      throw OcirtError.fromNode(`${what}: pidfd_open ${pid}`, err);
    }
    if (readProcStat(pid)?.startTime !== startTime) {
      fs.closeSync(pidfd);
      throw new OcirtError(`${what}: the process (pid ${pid}) is gone`, { errno: 3, syscall: 'pidfd_open' });
    }
    return new ProcessExit(pid, pidfd);
  }

  /**
   * Resolves once the process has exited and been reaped; the pidfd is then closed.
   * `ref: false`: the wait alone does not keep the program running (a background reap).
   */
  async wait(what: string, opts: { ref?: boolean } = {}): Promise<ExitStatus> {
    if (this.pidfd < 0) throw new OcirtError(`${what}: already waited for`);
    try {
      return await native().waitPidfd(this.pidfd, opts.ref ?? true);
    } catch (err) {
      if ((err as { errno?: number }).errno === 10 /* ECHILD */) {
        throw new OcirtError(
          `${what}: pid ${this.pid} is not a child of this process, so its exit status cannot be collected (make this process a child subreaper first)`,
          { errno: 10, syscall: 'waitid' },
        );
      }
      throw OcirtError.fromNode(what, err);
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.pidfd < 0) return;
    try {
      fs.closeSync(this.pidfd);
    } catch {
      // already closed
    }
    this.pidfd = -1;
  }
}
