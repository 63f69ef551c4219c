import { describe, expect, it } from 'vitest';
import type { Process } from '../../src/spec/types';
import { translateCapabilities } from '../../src/plan/capability-masks';
import { DEFAULT_SEARCH_PATH, translateEnvironment } from '../../src/plan/environment';
import { translateProcess } from '../../src/plan/process';
import { RLIM_INFINITY, translateRlimits } from '../../src/plan/rlimits';

const base = (over: Partial<Process> = {}): Process => ({
  user: { uid: 0, gid: 0 },
  args: ['sh'],
  cwd: '/',
  ...over,
});

describe('translateProcess', () => {
  it('fills runc\'s defaults', () => {
    const p = translateProcess(base({ capabilities: {} }));
    expect(p).toEqual({
      args: ['sh'], env: [], cwd: '/', uid: 0, gid: 0, additionalGids: [], umask: 0o022,
      capabilities: { bounding: '0', effective: '0', inheritable: '0', permitted: '0', ambient: '0' },
      rlimits: [], noNewPrivileges: false, oomScoreAdj: null, searchPath: DEFAULT_SEARCH_PATH, createCwd: true,
    });
  });

  it('passes the user, umask, oomScoreAdj and noNewPrivileges', () => {
    const p = translateProcess(base({
      user: { uid: 1000, gid: 100, umask: 0o077, additionalGids: [5, 6] }, noNewPrivileges: true, oomScoreAdj: -500,
    }));
    expect(p).toMatchObject({ uid: 1000, gid: 100, umask: 0o077, additionalGids: [5, 6], noNewPrivileges: true, oomScoreAdj: -500 });
    expect(translateProcess(base({ oomScoreAdj: 0 })).oomScoreAdj).toBe(0);
  });

  it('refuses a missing process or empty args', () => {
    expect(() => translateProcess(undefined)).toThrow('/process: process is required');
    expect(() => translateProcess(base({ args: [] }))).toThrow('/process/args: args must not be empty');
  });
});

describe('capabilities', () => {
  it('makes one bitmask per set', () => {
    const caps = translateCapabilities({ bounding: ['CAP_CHOWN', 'CAP_KILL'], ambient: ['CAP_KILL'] });
    expect(caps.bounding).toBe(String(1 | (1 << 5)));
    expect(caps.ambient).toBe('32');
    expect(caps.effective).toBe('0');
  });

  it('reaches beyond 32 bits exactly', () => {
    expect(translateCapabilities({ permitted: ['CAP_CHECKPOINT_RESTORE', 'CAP_CHOWN'] }).permitted).toBe(String(2 ** 40 + 1));
  });

  it('refuses unknown names with their pointer, or drops them when asked', () => {
    expect(() => translateCapabilities({ bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN', 'CAP_BOGUS'] })).toThrow(
      '/process/capabilities/bounding/3: unknown capability "CAP_BOGUS"',
    );
    expect(translateCapabilities({ bounding: ['CAP_BOGUS', 'CAP_KILL'] }, { unknown: 'ignore' }).bounding).toBe('32');
  });

  it('drops capabilities the kernel does not have, like runc', () => {
    expect(translateCapabilities({ bounding: ['CAP_BPF', 'CAP_CHOWN'] }, { capLastCap: 38 }).bounding).toBe('1');
  });

  it('without process.capabilities every set is empty, bounding too, as runc runs it', () => {
    const none = { bounding: '0', effective: '0', inheritable: '0', permitted: '0', ambient: '0' };
    expect(translateCapabilities(undefined)).toEqual(none);
    expect(translateCapabilities(undefined, { capLastCap: 37, hostBounding: 0n })).toEqual(none);
  });

  it('refuses a granted capability outside the runtime\'s bounding set, naming its pointer', () => {
    const withoutSysResource = (2n ** 41n - 1n) & ~(1n << 24n);
    const caps = { bounding: ['CAP_KILL', 'CAP_SYS_RESOURCE'], effective: ['CAP_KILL'], permitted: ['CAP_KILL', 'CAP_SYS_RESOURCE'] };
    expect(() => translateCapabilities(caps, { hostBounding: withoutSysResource })).toThrow(
      /^\/process\/capabilities\/permitted\/1: CAP_SYS_RESOURCE is not in the runtime's capability bounding set/,
    );
    // Keeping it in the bounding set alone asks nothing of capset: accepted, as is every set in a user namespace (no hostBounding).
    expect(translateCapabilities({ bounding: ['CAP_SYS_RESOURCE'] }, { hostBounding: withoutSysResource }).bounding).toBe((1n << 24n).toString());
    expect(translateCapabilities(caps).permitted).toBe(((1n << 5n) | (1n << 24n)).toString());
    // A capability above cap_last_cap is dropped before the check, as runc ignores it.
    expect(translateCapabilities({ permitted: ['CAP_CHECKPOINT_RESTORE'] }, { capLastCap: 39, hostBounding: 0n }).permitted).toBe('0');
  });
});

describe('rlimits', () => {
  it('maps names to numbers and limits to decimal strings', () => {
    expect(translateRlimits([
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
      { type: 'RLIMIT_CORE', soft: 2 ** 64, hard: 2 ** 64 },
      { type: 'RLIMIT_AS', soft: 2 ** 60, hard: 2 ** 62 },
    ])).toEqual([
      { resource: 7, soft: '1024', hard: '4096' },
      { resource: 4, soft: RLIM_INFINITY, hard: RLIM_INFINITY },
      { resource: 9, soft: '1152921504606846976', hard: '4611686018427387904' },
    ]);
  });

  it('refuses unknown names and bad numbers', () => {
    expect(() => translateRlimits([{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_FOO', soft: 1, hard: 1 }])).toThrow(
      '/process/rlimits/1/type: unknown rlimit "RLIMIT_FOO"',
    );
    expect(() => translateRlimits([{ type: 'RLIMIT_NOFILE', soft: -1, hard: 1 }])).toThrow('/process/rlimits/0/soft');
  });
});

describe('environment', () => {
  it('keeps the last of repeated names, at its place, and searches its PATH', () => {
    expect(translateEnvironment(['PATH=/a', 'A=1', 'B=2', 'A=3', 'PATH=/b:/c'])).toEqual({
      env: ['B=2', 'A=3', 'PATH=/b:/c'],
      searchPath: '/b:/c',
    });
  });

  it('uses the default PATH when none is set, and an empty one when set empty', () => {
    expect(translateEnvironment(['TERM=xterm']).searchPath).toBe(DEFAULT_SEARCH_PATH);
    expect(translateEnvironment(['PATH=']).searchPath).toBe('');
  });

  it('keeps values with "=" and empty values as they are', () => {
    expect(translateEnvironment(['A=b=c', 'HOME=']).env).toEqual(['A=b=c', 'HOME=']);
  });

  it('refuses malformed entries like runc', () => {
    expect(() => translateEnvironment(['A=1', 'NOEQUALS'])).toThrow("/process/env/1: invalid environment variable: missing '='");
    expect(() => translateEnvironment(['=x'])).toThrow('/process/env/0: invalid environment variable: name cannot be empty');
    expect(() => translateEnvironment(['A=\0'])).toThrow('/process/env/0: invalid environment variable "A": contains nul byte');
  });
});
