import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/plan/seccomp-bpf';
import { enosysStub } from '../../src/plan/seccomp-enosys';
import { ARCHES } from '../../src/plan/seccomp-tables';
import { runFilter } from '../helpers/bpf-run';

const FILTER = 0x7fff1234; // what "the rest of the filter" returns here
const ENOSYS_RET = 0x00050026;
const tail = assemble([{ op: 'ret', k: FILTER }]);
const X86_64 = ARCHES.SCMP_ARCH_X86_64.audit;

const run = (stub: Buffer, nr: number, arch = X86_64) => runFilter(Buffer.concat([stub, tail]), { nr, arch });

describe('enosysStub', () => {
  it('is empty when no arch has a known syscall', () => {
    expect(enosysStub({}, ['SCMP_ARCH_X86_64']).length).toBe(0);
  });

  it('x86_64: above the largest syscall → ENOSYS, the rest → the filter', () => {
    const stub = enosysStub({ SCMP_ARCH_X86_64: 300 }, ['SCMP_ARCH_X86_64']);
    expect(run(stub, 300)).toBe(FILTER);
    expect(run(stub, 0)).toBe(FILTER);
    expect(run(stub, 301)).toBe(ENOSYS_RET);
    expect(run(stub, 0xffffffff)).toBe(FILTER); // bit 30 set: x32, not handled here
    expect(run(stub, 0x40000000 + 5)).toBe(FILTER);
    expect(run(stub, 5000, ARCHES.SCMP_ARCH_X86.audit)).toBe(FILTER); // another arch: the filter decides
  });

  it('x86_64 and x32 share AUDIT_ARCH_X86_64: bit 30 picks the x32 limit', () => {
    const stub = enosysStub({ SCMP_ARCH_X86_64: 300, SCMP_ARCH_X32: 0x40000000 + 200 }, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32']);
    expect(run(stub, 301)).toBe(ENOSYS_RET);
    expect(run(stub, 250)).toBe(FILTER);
    expect(run(stub, 0x40000000 + 250)).toBe(ENOSYS_RET);
    expect(run(stub, 0x40000000 + 150)).toBe(FILTER);
  });

  it('x32 alone: x86_64 syscalls go to the filter', () => {
    const stub = enosysStub({ SCMP_ARCH_X32: 0x40000000 + 200 }, ['SCMP_ARCH_X32']);
    expect(run(stub, 5000)).toBe(FILTER);
    expect(run(stub, 0x40000000 + 201)).toBe(ENOSYS_RET);
    expect(run(stub, 0x40000000 + 200)).toBe(FILTER);
  });

  it('several arches each get their own limit', () => {
    const stub = enosysStub({ SCMP_ARCH_X86_64: 300, SCMP_ARCH_X86: 400, SCMP_ARCH_AARCH64: 100 }, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64']);
    expect(run(stub, 350)).toBe(ENOSYS_RET);
    expect(run(stub, 350, ARCHES.SCMP_ARCH_X86.audit)).toBe(FILTER);
    expect(run(stub, 401, ARCHES.SCMP_ARCH_X86.audit)).toBe(ENOSYS_RET);
    expect(run(stub, 101, ARCHES.SCMP_ARCH_AARCH64.audit)).toBe(ENOSYS_RET);
    expect(run(stub, 99, ARCHES.SCMP_ARCH_AARCH64.audit)).toBe(FILTER);
  });

  it('s390x: syscall 0 (where unknown syscalls land) → ENOSYS', () => {
    const stub = enosysStub({ SCMP_ARCH_S390X: 400 }, ['SCMP_ARCH_S390X']);
    const s390x = ARCHES.SCMP_ARCH_S390X.audit;
    expect(run(stub, 0, s390x)).toBe(ENOSYS_RET);
    expect(run(stub, 1, s390x)).toBe(FILTER);
    expect(run(stub, 401, s390x)).toBe(ENOSYS_RET);
  });

  it('stays within the reach of conditional jumps with every arch at once', () => {
    const all = Object.keys(ARCHES) as Array<keyof typeof ARCHES>;
    const largest = Object.fromEntries(all.map((a) => [a, a === 'SCMP_ARCH_X32' ? 0x40000000 + 500 : 500]));
    const stub = enosysStub(largest, all);
    for (const a of all) {
      const over = a === 'SCMP_ARCH_X32' ? 0x40000000 + 501 : 501;
      expect(run(stub, over, ARCHES[a].audit)).toBe(ENOSYS_RET);
    }
  });
});
