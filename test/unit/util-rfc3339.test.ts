import { describe, expect, it } from 'vitest';
import { nowEpochNanos, nowRfc3339Nano, rfc3339FromEpochNanos, rfc3339Nano } from '../../src/util/rfc3339';

describe('rfc3339Nano', () => {
  it('formats UTC with nanoseconds like Go RFC3339Nano', () => {
    const d = new Date(Date.UTC(2026, 10, 22, 15, 5, 39, 123));
    expect(rfc3339Nano(d, 456789)).toBe('2026-11-22T15:05:39.123456789Z');
    expect(rfc3339Nano(d, 1)).toBe('2026-11-22T15:05:39.123000001Z');
  });

  it('drops trailing zeros of the fraction, and the fraction of a whole second', () => {
    expect(rfc3339Nano(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 120)))).toBe('2026-01-02T03:04:05.12Z');
    expect(rfc3339Nano(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 0)))).toBe('2026-01-02T03:04:05Z');
    expect(rfc3339Nano(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 0)), 500)).toBe('2026-01-02T03:04:05.0000005Z');
  });

  it('pads every field', () => {
    expect(rfc3339FromEpochNanos(0n)).toBe('1970-01-01T00:00:00Z');
    expect(rfc3339FromEpochNanos(1_000_000_007n)).toBe('1970-01-01T00:00:01.000000007Z');
  });

  it('refuses bad input', () => {
    expect(() => rfc3339Nano(new Date(NaN))).toThrow(RangeError);
    expect(() => rfc3339Nano(new Date(0), 1_000_000)).toThrow(RangeError);
    expect(() => rfc3339Nano(new Date(0), -1)).toThrow(RangeError);
    expect(() => rfc3339Nano(new Date(0), 1.5)).toThrow(RangeError);
  });

  it('round-trips through Date.parse to the millisecond', () => {
    const d = new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999));
    expect(Date.parse(rfc3339Nano(d, 999_999))).toBe(d.getTime());
  });
});

describe('nowRfc3339Nano', () => {
  it('agrees with the wall clock', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const ns = nowEpochNanos();
    const after = BigInt(Date.now() + 1) * 1_000_000n;
    expect(ns >= before - 200_000n).toBe(true);
    expect(ns <= after + 200_000n).toBe(true);
  });

  it('has real sub-millisecond digits and does not go backwards', () => {
    const values: bigint[] = [];
    for (let i = 0; i < 50; i++) values.push(nowEpochNanos());
    for (let i = 1; i < values.length; i++) expect(values[i] >= values[i - 1]).toBe(true);
    const subMs = new Set(values.map((v) => v % 1_000_000n));
    expect(subMs.size).toBeGreaterThan(10);
    expect([...subMs].some((v) => v !== 0n)).toBe(true);
  });

  it('prints the RFC 3339 shape', () => {
    expect(nowRfc3339Nano()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    const parsed = Date.parse(nowRfc3339Nano());
    expect(Math.abs(parsed - Date.now())).toBeLessThan(1000);
  });
});
