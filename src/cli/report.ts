import * as fs from 'node:fs';
import { isOcirtError, OcirtError } from '../native/error';
import type { Globals } from './globals';

/** Writes one debug message; commands get it only with --debug (see Reporter.debug). */
export type DebugLog = (message: string) => void;

/**
 * Errors and warnings: one line on stderr, and with --log one line appended to the log
 * file (JSON objects {"level","msg","time"} with --log-format json, as engines parse).
 * Debug messages (--debug) go to the log file when there is one, else to stderr, in
 * the --log-format, as runc's logrus lines.
 */
export class Reporter {
  private logFd: number | undefined;
  /**
   * Undefined without --debug: callers write `reporter.debug?.(`...`)`, so that no
   * message is even built when debugging is off.
   */
  readonly debug: DebugLog | undefined;

  constructor(private readonly globals: Pick<Globals, 'log' | 'logFormat' | 'debug'>) {
    if (globals.log) {
      try {
        this.logFd = fs.openSync(globals.log, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
      } catch (err) {
        process.stderr.write(`ocirt: cannot open log file ${globals.log}: ${OcirtError.fromNode('open', err).message}\n`);
      }
    }
    if (globals.debug) this.debug = (message) => this.write(this.logFd ?? 2, 'debug', message);
  }

  error(message: string): void {
    process.stderr.write(`ocirt: ${message}\n`);
    if (this.logFd !== undefined) this.write(this.logFd, 'error', message);
  }

  warn(message: string): void {
    process.stderr.write(`ocirt: warning: ${message}\n`);
    if (this.logFd !== undefined) this.write(this.logFd, 'warning', message);
  }

  private write(fd: number, level: string, msg: string): void {
    try {
      fs.writeSync(fd, `${formatLogLine(this.globals.logFormat, level, msg, new Date())}\n`);
    } catch {
      // a full or vanished log must not change the command's outcome
    }
  }
}

/**
 * One log line as runc's logrus writes it: `time="2026-12-02T15:04:05Z" level=debug
 * msg="..."`, or with json `{"level":"debug","msg":"...","time":"..."}`; the time is
 * RFC 3339 in whole seconds, UTC.
 */
export function formatLogLine(format: 'text' | 'json', level: string, msg: string, at: Date): string {
  const time = at.toISOString().replace(/\.\d+Z$/, 'Z');
  if (format === 'json') return JSON.stringify({ level, msg, time });
  return `time=${JSON.stringify(time)} level=${level} msg=${JSON.stringify(msg)}`;
}

/** The text of any error: ours as they are, a bug with a hint (stack only with --debug). */
export function describeError(err: unknown, debug: boolean): string {
  if (isOcirtError(err)) return err.message;
  const e = err as Error;
  if (debug && e?.stack) return `internal error: ${e.stack}`;
  return `internal error: ${e?.message ?? String(err)} (run with --debug for details)`;
}
