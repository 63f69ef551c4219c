import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KILL_SIGNAL, parseSignal, signalName } from '../../src/lifecycle/signals';
import { OcirtError } from '../../src/native/error';

describe('parseSignal', () => {
  it('accepts numbers', () => {
    expect(parseSignal('9')).toBe(9);
    expect(parseSignal('15')).toBe(15);
    expect(parseSignal('0')).toBe(0);
    expect(parseSignal('64')).toBe(64);
    expect(parseSignal('09')).toBe(9);
  });

  it('accepts names with or without SIG, in any case, like runc', () => {
    for (const s of ['KILL', 'SIGKILL', 'kill', 'sigkill', 'SigKill']) expect(parseSignal(s)).toBe(9);
    expect(parseSignal('TERM')).toBe(DEFAULT_KILL_SIGNAL);
    expect(parseSignal('HUP')).toBe(1);
    expect(parseSignal('SIGSYS')).toBe(31);
    expect(parseSignal('WINCH')).toBe(28);
  });

  it('agrees with the kernel numbers Node knows', () => {
    const known = os.constants.signals as Record<string, number>;
    for (const [name, n] of Object.entries(known)) {
      expect(parseSignal(name), name).toBe(n);
    }
  });

  it('accepts the aliases', () => {
    expect(parseSignal('IOT')).toBe(6);
    expect(parseSignal('SIGCLD')).toBe(17);
    expect(parseSignal('POLL')).toBe(29);
  });

  it('accepts real-time forms', () => {
    expect(parseSignal('RTMIN')).toBe(34);
    expect(parseSignal('SIGRTMIN')).toBe(34);
    expect(parseSignal('SIGRTMIN+3')).toBe(37);
    expect(parseSignal('rtmin+0')).toBe(34);
    expect(parseSignal('RTMAX')).toBe(64);
    expect(parseSignal('SIGRTMAX-2')).toBe(62);
    expect(parseSignal('RTMIN+30')).toBe(64);
  });

  it('refuses everything else with runc wording', () => {
    const bad = ['FOO', '', 'SIG', '-9', '+9', '65', '1000', ' 9', '9 ', 'KILL ', 'RTMIN-1', 'RTMAX+1', 'RTMIN+31', 'RTMAX-31', '9x', 'constructor', '__proto__', 'toString'];
    for (const s of bad) {
      let err: unknown;
      try {
        parseSignal(s);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(s)).toBeInstanceOf(OcirtError);
      expect((err as Error).message.startsWith(`unknown signal ${JSON.stringify(s)}`), (err as Error).message).toBe(true);
    }
    expect(() => parseSignal('FOO')).toThrow(/^unknown signal "FOO"$/);
  });
});

describe('signalName', () => {
  it('names standard and real-time signals', () => {
    expect(signalName(9)).toBe('SIGKILL');
    expect(signalName(6)).toBe('SIGABRT');
    expect(signalName(17)).toBe('SIGCHLD');
    expect(signalName(29)).toBe('SIGIO');
    expect(signalName(31)).toBe('SIGSYS');
    expect(signalName(34)).toBe('SIGRTMIN');
    expect(signalName(35)).toBe('SIGRTMIN+1');
    expect(signalName(49)).toBe('SIGRTMIN+15');
    expect(signalName(50)).toBe('SIGRTMAX-14');
    expect(signalName(64)).toBe('SIGRTMAX');
  });

  it('returns undefined for non-signals', () => {
    for (const n of [0, 32, 33, 65, -1, 1.5]) expect(signalName(n)).toBeUndefined();
  });

  it('round-trips through parseSignal', () => {
    for (let n = 1; n <= 64; n++) {
      const name = signalName(n);
      if (name !== undefined) expect(parseSignal(name)).toBe(n);
    }
  });
});
