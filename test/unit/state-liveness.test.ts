import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  isSameProcess,
  parseProcStat,
  processState,
  readProcStat,
  readStartTime,
} from '../../src/state/liveness';

/** A stat line with fields 3..52 as given, the start time at field 22. */
function statLine(pid: number, comm: string, state: string, startTime: string): string {
  const fields = [state];
  for (let f = 4; f <= 52; f++) fields.push(f === 22 ? startTime : String(f * 10));
  return `${pid} (${comm}) ${fields.join(' ')}\n`;
}

describe('parseProcStat', () => {
  it('splits after the last parenthesis of a hostile comm', () => {
    const line = statLine(42, 'a) (b c', 'S', '987654321');
    expect(parseProcStat(line)).toEqual({ comm: 'a) (b c', state: 'S', startTime: '987654321' });
  });

  it('is not fooled by a comm that looks like fields', () => {
    const line = statLine(7, ') R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 (', 'Z', '55');
    expect(parseProcStat(line)).toMatchObject({ state: 'Z', startTime: '55' });
  });

  it('parses a real line from the kernel', () => {
    const text = fs.readFileSync('/proc/self/stat', 'latin1');
    const stat = parseProcStat(text);
    expect(stat).not.toBeNull();
    // Field 22 counted independently: fields after the last ')' start at field 3.
    const after = text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/);
    expect(stat!.startTime).toBe(after[22 - 3]);
  });

  it('returns null for truncated or garbled text', () => {
    expect(parseProcStat('')).toBeNull();
    expect(parseProcStat('12 (x) S 1 2 3')).toBeNull();
    expect(parseProcStat('12 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21')).toBeNull();
    expect(parseProcStat(statLine(1, 'x', 'S', 'abc'))).toBeNull();
  });
});

describe('liveness of real processes', () => {
  it('sees this process alive, with its own start time only', () => {
    const start = readStartTime(process.pid);
    expect(start).toMatch(/^[0-9]+$/);
    expect(isSameProcess(process.pid, start!)).toBe(true);
    expect(isSameProcess(process.pid, String(BigInt(start!) + 1n))).toBe(false);
    expect(isSameProcess(process.pid, '')).toBe(false);
    expect(processState(process.pid)).toMatch(/^[RSD]$/);
  });

  it('sees a process that exited and was reaped as gone', () => {
    const r = spawnSync('true');
    expect(r.status).toBe(0);
    const pid = r.pid!;
    expect(pid).toBeGreaterThan(0);
    expect(readProcStat(pid)).toBeNull();
    expect(readStartTime(pid)).toBeNull();
    expect(isSameProcess(pid, '0')).toBe(false);
  });

  it('returns null for pids that cannot exist', () => {
    for (const pid of [0, -1, 1.5, NaN, 2 ** 60]) expect(readProcStat(pid)).toBeNull();
  });

  it('counts a zombie as not running', async () => {
    // The child exits at once and becomes a zombie: its parent (perl, from Debian's
    // essential perl-base) never waits for it. A shell might reap it before exec.
    const sh = spawn('perl', ['-e', '$| = 1; my $p = fork(); exit 0 if $p == 0; print "$p\\n"; sleep 10'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const zpid = await new Promise<number>((resolve, reject) => {
        sh.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
        sh.once('error', reject);
      });
      let state: string | null = null;
      for (let i = 0; i < 200 && state !== 'Z'; i++) {
        state = processState(zpid);
        if (state !== 'Z') await new Promise((r) => setTimeout(r, 10));
      }
      expect(state).toBe('Z');
      const start = readStartTime(zpid);
      expect(start).not.toBeNull();
      expect(isSameProcess(zpid, start!)).toBe(false);
      // Its parent, alive and sleeping, is the same process as recorded.
      expect(isSameProcess(sh.pid!, readStartTime(sh.pid!)!)).toBe(true);
    } finally {
      sh.kill('SIGKILL');
    }
  });
});
