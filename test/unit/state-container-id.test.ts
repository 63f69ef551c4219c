import { describe, expect, it } from 'vitest';
import { invalidIdReason, validateContainerId } from '../../src/state/container-id';
import { OcirtError } from '../../src/native/error';

function messageOf(id: string): string {
  try {
    validateContainerId(id);
  } catch (err) {
    expect(err).toBeInstanceOf(OcirtError);
    return (err as Error).message;
  }
  throw new Error(`id ${JSON.stringify(id)} was accepted`);
}

describe('validateContainerId', () => {
  it('accepts the characters runc ids use', () => {
    for (const id of ['c1', 'a', 'A_b-c.d+e', '0123456789abcdef'.repeat(4), 'x'.repeat(255), '...', '.a', 'a..b']) {
      expect(() => validateContainerId(id)).not.toThrow();
    }
  });

  it('refuses empty, dot and dot-dot with a reason', () => {
    expect(messageOf('')).toBe('invalid container id "": empty');
    expect(messageOf('.')).toBe('invalid container id ".": must not be "." or ".."');
    expect(messageOf('..')).toBe('invalid container id "..": must not be "." or ".."');
  });

  it('refuses path separators and other characters', () => {
    for (const id of ['../x', 'a/b', '/abs', 'a b', 'a:b', 'a\\b', 'é', 'a,b', 'a*', 'a\nb']) {
      expect(messageOf(id)).toMatch(/only letters, digits and _ \+ \. - are allowed$/);
    }
    expect(messageOf('../x')).toBe('invalid container id "../x": only letters, digits and _ + . - are allowed');
  });

  it('refuses ids longer than 255 bytes', () => {
    expect(messageOf('x'.repeat(256))).toMatch(/: longer than 255 bytes \(NAME_MAX\)$/);
    // 128 two-byte characters: 128 characters but 256 bytes.
    expect(invalidIdReason('é'.repeat(128))).toMatch(/longer than 255 bytes/);
  });

  it('prints hostile ids escaped and cut', () => {
    const msg = messageOf('a\u001b[31mred\u0007\u009b\u202e');
    expect(msg).toContain('"a\\u001b[31mred\\u0007\\u009b\\u202e"');
    expect(msg).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    const long = messageOf('/'.repeat(10_000));
    expect(long.length).toBeLessThan(200);
    expect(long).toContain('(10000 characters)');
  });
});
