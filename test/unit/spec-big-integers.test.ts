import { describe, expect, it } from 'vitest';
import { oversizedIntegers } from '../../src/spec/big-integers';
import { parseConfig } from '../../src/spec/validate';

describe('oversizedIntegers', () => {
  it('finds integers beyond uint64 with their pointer, which JSON.parse would round', () => {
    const text = '{"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 18446744073709551616, "soft": 1}]}, "a": "99999999999999999999"}';
    expect(oversizedIntegers(text)).toEqual([{ pointer: '/process/rlimits/0/hard', reason: '18446744073709551616 does not fit in 64 bits' }]);
  });

  it('accepts the uint64 maximum and int64 minimum, and escapes pointer tokens', () => {
    expect(oversizedIntegers('{"x": [18446744073709551615, -9223372036854775808]}')).toEqual([]);
    expect(oversizedIntegers('{"a/b": {"c~d": -9223372036854775809}}')).toEqual([
      { pointer: '/a~1b/c~0d', reason: '-9223372036854775809 does not fit in 64 bits' },
    ]);
  });

  it('makes parseConfig refuse such a config', () => {
    const r = parseConfig('{"ociVersion": "1.0.0", "process": {"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 18446744073709551616, "soft": 1}]}}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0].pointer).toBe('/process/rlimits/0/hard');
  });
});

describe('excessiveNesting', () => {
  it('names the first place nested too deeply, without recursing', async () => {
    const { excessiveNesting } = await import('../../src/spec/nesting');
    const deep = `{"annotations": {"a": ${'['.repeat(100000)}${']'.repeat(100000)}}}`;
    const p = excessiveNesting(deep);
    expect(p?.pointer.startsWith('/annotations/a/0/0')).toBe(true);
    expect(p?.reason).toBe('nests deeper than 64 levels');
    expect(excessiveNesting('{"a": {"b": [1, {"c": [2]}]}}')).toBeUndefined();
  });

  it('makes parseConfig refuse such a config instead of overflowing the stack', () => {
    const r = parseConfig(`{"ociVersion": "1.0.0", "x": ${'{"y": '.repeat(5000)}1${'}'.repeat(5000)}}`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0].pointer.startsWith('/x/y/y')).toBe(true);
  });
});
