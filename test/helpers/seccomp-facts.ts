/**
 * Seccomp host facts and a compiler for plan tests that must not depend on the host's
 * libseccomp: syscall numbers are made up (a name's rank in the sorted list of the
 * profile's names, + 1), the "compiled program" is a digest of the rule list (four
 * 8-byte instructions), so golden plans change exactly when the decided rules change.
 */
import { createHash } from 'node:crypto';
import type { SeccompCompiler, SeccompHostFacts } from '../../src/plan/seccomp-host';
import { ARCHES } from '../../src/plan/seccomp-tables';
import type { LinuxSeccomp } from '../../src/spec/types';

export function fakeSeccompFacts(seccomp: LinuxSeccomp | undefined, opts: { unknown?: string[] } = {}): SeccompHostFacts {
  const names = [...new Set((seccomp?.syscalls ?? []).flatMap((r) => r.names))].sort();
  const table: Record<string, number> = {};
  names.forEach((n, i) => {
    if (!opts.unknown?.includes(n)) table[n] = i + 1;
  });
  const arches = ['x86_64', ...(seccomp?.architectures ?? []).map((a) => ARCHES[a].libseccomp)];
  const syscalls: Record<string, Record<string, number>> = {};
  for (const a of new Set(arches)) syscalls[a] = a === 'x32' ? Object.fromEntries(Object.entries(table).map(([k, v]) => [k, v + 0x40000000])) : table;
  return {
    library: { version: '2.5.4', apiLevel: 6, nativeArch: 'x86_64', arches: Object.values(ARCHES).map((a) => a.libseccomp).filter((a) => !['m68k', 'sh', 'sheb', 'loongarch64'].includes(a)) },
    syscalls,
    kernelFlags: {
      SECCOMP_FILTER_FLAG_TSYNC: true,
      SECCOMP_FILTER_FLAG_LOG: true,
      SECCOMP_FILTER_FLAG_SPEC_ALLOW: true,
      SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: true,
    },
  };
}

/** A compiler that records what it was asked and returns a digest of it. */
export function fakeSeccompCompiler(calls: unknown[] = []): SeccompCompiler {
  return {
    compile(filter) {
      calls.push(filter);
      return createHash('sha256').update(JSON.stringify(filter)).digest();
    },
  };
}
