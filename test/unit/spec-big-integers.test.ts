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
