import { OcirtError } from '../native/error';
import { quote } from '../util/quote';

/**
 * Signal names and numbers of Linux on x86_64 (and arm64/riscv64, which share the
 * generic numbering). Parsing follows runc's `kill`: a decimal number, or a name with or
 * without the SIG prefix, case-insensitive; on top of runc it accepts the aliases below
 * and the real-time forms RTMIN, RTMIN+n, RTMAX-n, RTMAX (as runc 1.2 / moby do).
 */

const BY_NAME: Readonly<Record<string, number>> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  IOT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  POLL: 29,
  PWR: 30,
  SYS: 31,
  UNUSED: 31,
};

/** Canonical name of each standard signal (the first name above for each number). */
const BY_NUMBER: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, n] of Object.entries(BY_NAME)) names[n] ??= name;
  return names;
})();

/** The kernel's SIGRTMIN (glibc reserves 32 and 33 for itself and reports 34). */
export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

/** The signal `kill` sends when none is given. */
export const DEFAULT_KILL_SIGNAL = 15;

/**
 * "9", "KILL", "sigkill", "SIGRTMIN+3", "RTMAX-1" → the signal number. Numbers must be
 * 0 .. 64 (0 only checks that the process exists). Anything else throws
 * `unknown signal "FOO"`.
 */
export function parseSignal(s: string): number {
  if (/^[0-9]{1,3}$/.test(s)) {
    const n = Number(s);
    if (n <= SIGRTMAX) return n;
    throw new OcirtError(`unknown signal ${quote(s)}: signal numbers go from 0 to ${SIGRTMAX}`);
  }
  let name = s.toUpperCase();
  if (name.startsWith('SIG')) name = name.slice(3);
  const n = Object.prototype.hasOwnProperty.call(BY_NAME, name) ? BY_NAME[name] : realTime(name);
  if (n === undefined) throw new OcirtError(`unknown signal ${quote(s)}`);
  return n;
}

function realTime(name: string): number | undefined {
  const m = /^RT(MIN|MAX)(?:([+-])([0-9]{1,2}))?$/.exec(name);
  if (!m) return undefined;
  const base = m[1] === 'MIN' ? SIGRTMIN : SIGRTMAX;
  if (m[2] === undefined) return base;
  // RTMIN counts up and RTMAX counts down, as in kill(1) and moby's ParseSignal.
  if ((m[1] === 'MIN') !== (m[2] === '+')) return undefined;
  const n = m[1] === 'MIN' ? base + Number(m[3]) : base - Number(m[3]);
  return n >= SIGRTMIN && n <= SIGRTMAX ? n : undefined;
}

/**
 * "SIGKILL" for 9; real-time signals as bash's `kill -l` names them (SIGRTMIN+n up to
 * 49, SIGRTMAX-n from 50). undefined for a number that is no signal (0, 32, 33, > 64).
 */
export function signalName(n: number): string | undefined {
  if (!Number.isInteger(n)) return undefined;
  if (n >= 1 && n < BY_NUMBER.length && BY_NUMBER[n]) return `SIG${BY_NUMBER[n]}`;
  if (n === SIGRTMIN) return 'SIGRTMIN';
  if (n === SIGRTMAX) return 'SIGRTMAX';
  if (n > SIGRTMIN && n <= 49) return `SIGRTMIN+${n - SIGRTMIN}`;
  if (n >= 50 && n < SIGRTMAX) return `SIGRTMAX-${SIGRTMAX - n}`;
  return undefined;
}
