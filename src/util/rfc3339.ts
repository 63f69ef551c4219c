/**
 * RFC 3339 timestamps with nanoseconds, in the shape runc writes `created` (Go's
 * time.RFC3339Nano of a UTC time): `2026-11-22T15:05:39.123456789Z`. Like Go, trailing
 * zeros of the fraction are dropped (`.12Z`, and no fraction at all on a whole second);
 * every RFC 3339 parser accepts that.
 */

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** Formats a Date, plus `extraNanos` (0 .. 999999) below its millisecond. */
export function rfc3339Nano(date: Date, extraNanos = 0): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('rfc3339Nano: invalid Date');
  if (!Number.isInteger(extraNanos) || extraNanos < 0 || extraNanos >= 1_000_000) {
    throw new RangeError(`rfc3339Nano: extraNanos must be an integer in [0, 999999], got ${extraNanos}`);
  }
  return rfc3339FromEpochNanos(BigInt(ms) * NS_PER_MS + BigInt(extraNanos));
}

/** Formats nanoseconds since the Unix epoch (UTC). */
export function rfc3339FromEpochNanos(ns: bigint): string {
  let secs = ns / NS_PER_S;
  let frac = ns % NS_PER_S;
  if (frac < 0n) {
    frac += NS_PER_S;
    secs -= 1n;
  }
  const d = new Date(Number(secs) * 1000);
  const date =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (frac === 0n) return `${date}Z`;
  return `${date}.${frac.toString().padStart(9, '0').replace(/0+$/, '')}Z`;
}

/** The current time with real sub-millisecond digits (see `nowEpochNanos`). */
export function nowRfc3339Nano(): string {
  return rfc3339FromEpochNanos(nowEpochNanos());
}

/**
 * Wall-clock nanoseconds since the epoch. Date.now() only has milliseconds, so the wall
 * clock is tied once to the monotonic process.hrtime clock: spin (at most ~1 ms, once per
 * process) until Date.now() ticks, which pins the millisecond edge to an hrtime reading
 * within a fraction of a microsecond. Later calls are hrtime-only, and recalibrate when
 * the wall clock has been stepped. This avoids `performance.timeOrigin`, whose first use
 * loads perf_hooks (about 1 ms of start-up).
 */
export function nowEpochNanos(): bigint {
  const hr = process.hrtime.bigint();
  const wallMs = Date.now();
  if (offset !== undefined) {
    const ns = hr + offset;
    const drift = ns - BigInt(wallMs) * NS_PER_MS;
    // Date.now() floors to the millisecond: a consistent reading lies in [0, 1 ms).
    if (drift >= -MAX_DRIFT && drift < NS_PER_MS + MAX_DRIFT) return ns;
  }
  offset = calibrate();
  if (offset === undefined) return BigInt(Date.now()) * NS_PER_MS;
  return process.hrtime.bigint() + offset;
}

/** Nanoseconds to add to process.hrtime.bigint() to get wall-clock epoch nanoseconds. */
let offset: bigint | undefined;
const MAX_DRIFT = 200_000n;
const SPIN_LIMIT_NS = 3_000_000n;

function calibrate(): bigint | undefined {
  const start = process.hrtime.bigint();
  const first = Date.now();
  let before = start;
  for (;;) {
    const h = process.hrtime.bigint();
    const w = Date.now();
    if (w !== first) {
      // The edge of millisecond `w` passed between the previous reading and this one.
      if (w !== first + 1) return undefined; // clock stepped while spinning
      return BigInt(w) * NS_PER_MS - (before + (h - before) / 2n);
    }
    before = h;
    if (h - start > SPIN_LIMIT_NS) return undefined;
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
