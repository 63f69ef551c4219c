import * as fs from 'node:fs';
import { isOcirtError, OcirtError } from '../native/error';
import { nowRfc3339Nano } from '../util/rfc3339';
import type { Globals } from './globals';

/**
 * Errors and warnings: one line on stderr, and with --log one line appended to the log
 * file (JSON objects {"level","msg","time"} with --log-format json, as engines parse).
 */
export class Reporter {
  private logFd: number | undefined;

  constructor(private readonly globals: Pick<Globals, 'log' | 'logFormat' | 'debug'>) {
    if (globals.log) {
      try {
        this.logFd = fs.openSync(globals.log, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
      } catch (err) {
        process.stderr.write(`ocirt: cannot open log file ${globals.log}: ${OcirtError.fromNode('open', err).message}\n`);
      }
    }
  }

  error(message: string): void {
    process.stderr.write(`ocirt: ${message}\n`);
    this.log('error', message);
  }

  warn(message: string): void {
    process.stderr.write(`ocirt: warning: ${message}\n`);
    this.log('warning', message);
  }

  debug(message: string): void {
    if (this.globals.debug) this.log('debug', message);
  }

  private log(level: string, msg: string): void {
    if (this.logFd === undefined) return;
    const time = nowRfc3339Nano();
    const line =
      this.globals.logFormat === 'json'
        ? JSON.stringify({ level, msg, time })
        : `time=${JSON.stringify(time)} level=${level} msg=${JSON.stringify(msg)}`;
    try {
      fs.writeSync(this.logFd, `${line}\n`);
    } catch {
      // a full or vanished log must not change the command's outcome
    }
  }
}

/** The text of any error: ours as they are, a bug with a hint (stack only with --debug). */
export function describeError(err: unknown, debug: boolean): string {
  if (isOcirtError(err)) return err.message;
  const e = err as Error;
  if (debug && e?.stack) return `internal error: ${e.stack}`;
  return `internal error: ${e?.message ?? String(err)} (run with --debug for details)`;
}
