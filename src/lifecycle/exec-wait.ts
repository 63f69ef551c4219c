import * as os from 'node:os';
import { signalIfSame } from './signal-process';

/** What a foreground `run` or `exec` passes on to the process it waits for. */
export const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

/**
 * Passes the signals ocirt gets on to the process it waits for. Installed before the
 * process exists (a signal that arrives while it starts must neither kill ocirt nor be
 * lost): signals are held until target() names the process, then sent in order.
 * pid + start time guard against a reused pid.
 */
export class SignalForwarder {
  private pid = 0;
  private startTime = '';
  private pending: NodeJS.Signals[] = [];
  private readonly handlers: Array<[NodeJS.Signals, () => void]>;

  constructor(except: readonly NodeJS.Signals[] = []) {
    this.handlers = FORWARDED_SIGNALS.filter((s) => !except.includes(s)).map((sig) => {
      const h = () => this.forward(sig);
      process.on(sig, h);
      return [sig, h];
    });
  }

  /** Stop forwarding one signal (e.g. SIGWINCH once a terminal proxy resizes instead). */
  drop(sig: NodeJS.Signals): void {
    const i = this.handlers.findIndex(([s]) => s === sig);
    if (i < 0) return;
    process.off(sig, this.handlers[i][1]);
    this.handlers.splice(i, 1);
    this.pending = this.pending.filter((s) => s !== sig);
  }

  target(pid: number, startTime: string): void {
    this.pid = pid;
    this.startTime = startTime;
    const pending = this.pending;
    this.pending = [];
    for (const sig of pending) this.forward(sig);
  }

  stop(): void {
    for (const [sig, h] of this.handlers) process.off(sig, h);
    this.handlers.length = 0;
  }

  private forward(sig: NodeJS.Signals): void {
    if (this.pid === 0) {
      this.pending.push(sig);
      return;
    }
    try {
      signalIfSame(this.pid, this.startTime, os.constants.signals[sig]);
    } catch {
      // the process is exiting
    }
  }
}
