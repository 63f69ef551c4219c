/**
 * runc's -ENOSYS arrangement: a profile written for an older kernel denies every
 * syscall it does not list with its default action (usually EPERM), so a program
 * probing a newer syscall (clone3, openat2, faccessat2...) sees "permission denied"
 * instead of "not implemented" and does not fall back. A short program placed before
 * libseccomp's filter returns ENOSYS for any syscall number above the largest one the
 * profile names, per architecture; everything else goes on to the filter.
 *
 *   ld  [4]                          arch
 *   jeq AUDIT_ARCH_A → a             one per architecture family
 *   ja  filter
 * a:
 *   ld  [0]                          syscall number
 *   (s390, s390x: jeq 0 → enosys: unknown syscalls arrive as setup(2) there)
 *   jgt MAX_A → enosys
 *   ja  filter
 *   ...
 * x86_64 family (x86_64 and x32 share AUDIT_ARCH_X86_64; x32 numbers have bit 30 set):
 *   jset 0x40000000 → x32            (or → filter when x32 is not in the set)
 *   jgt MAX_X86_64 → enosys
 *   ja  filter
 * x32:
 *   jgt MAX_X32 → enosys             (when x86_64 is not in the set, a cleared bit 30 → filter)
 *   ja  filter
 * enosys:
 *   ret ERRNO(ENOSYS)
 * filter:                            libseccomp's program follows
 */
import type { LinuxSeccompArch } from '../spec/types';
import { assemble, type Instruction } from './seccomp-bpf';
import { ARCHES, ENOSYS, SECCOMP_RET_ERRNO } from './seccomp-tables';

const X32_SYSCALL_BIT = 0x40000000;

/** Largest syscall number the profile names, per architecture (arches without any are left out). */
export type LargestSyscalls = Partial<Record<LinuxSeccompArch, number>>;

/** The stub's bytes; empty when no architecture has a known syscall. */
export function enosysStub(largest: LargestSyscalls, archOrder: readonly LinuxSeccompArch[]): Buffer {
  // Group by AUDIT_ARCH: only x86_64 and x32 share one.
  const groups = new Map<number, LinuxSeccompArch[]>();
  for (const arch of archOrder) {
    if (!(largest[arch]! > 0)) continue;
    const audit = ARCHES[arch].audit;
    const list = groups.get(audit) ?? [];
    if (!list.includes(arch)) list.push(arch);
    groups.set(audit, list);
  }
  if (groups.size === 0) return Buffer.alloc(0);

  const program: Instruction[] = [{ op: 'ld', offset: 4 }];
  let n = 0;
  const sectionOf = new Map<number, string>();
  for (const audit of groups.keys()) {
    const label = `arch${n++}`;
    sectionOf.set(audit, label);
    program.push({ op: 'jeq', k: audit, jt: label });
  }
  program.push({ op: 'ja', to: 'filter' });

  for (const [audit, arches] of groups) {
    program.push({ op: 'label', name: sectionOf.get(audit)! }, { op: 'ld', offset: 0 });
    const max = (a: LinuxSeccompArch) => largest[a]!;
    if (arches.includes('SCMP_ARCH_X86_64') || arches.includes('SCMP_ARCH_X32')) {
      program.push(...x86Section(arches.includes('SCMP_ARCH_X86_64') ? max('SCMP_ARCH_X86_64') : null,
        arches.includes('SCMP_ARCH_X32') ? max('SCMP_ARCH_X32') : null, sectionOf.get(audit)!));
      continue;
    }
    const arch = arches[0];
    if (arch === 'SCMP_ARCH_S390' || arch === 'SCMP_ARCH_S390X') program.push({ op: 'jeq', k: 0, jt: 'enosys' });
    program.push({ op: 'jgt', k: max(arch), jt: 'enosys' }, { op: 'ja', to: 'filter' });
  }
  program.push(
    { op: 'label', name: 'enosys' },
    { op: 'ret', k: (SECCOMP_RET_ERRNO | ENOSYS) >>> 0 },
    { op: 'label', name: 'filter' },
  );
  return assemble(program);
}

function x86Section(maxX86_64: number | null, maxX32: number | null, section: string): Instruction[] {
  const x32 = `${section}x32`;
  const out: Instruction[] = [];
  if (maxX86_64 !== null) {
    out.push({ op: 'jset', k: X32_SYSCALL_BIT, jt: maxX32 !== null ? x32 : 'filterjump' + section });
    out.push({ op: 'jgt', k: maxX86_64, jt: 'enosys' });
    if (maxX32 === null) out.push({ op: 'label', name: 'filterjump' + section });
    out.push({ op: 'ja', to: 'filter' });
    if (maxX32 === null) return out;
  } else {
    // Only x32: an x86_64 syscall (bit 30 clear) goes straight to the filter.
    out.push({ op: 'jset', k: X32_SYSCALL_BIT, jf: 'filterjump' + section });
  }
  out.push({ op: 'label', name: x32 });
  out.push({ op: 'jgt', k: maxX32!, jt: 'enosys' });
  if (maxX86_64 === null) out.push({ op: 'label', name: 'filterjump' + section });
  out.push({ op: 'ja', to: 'filter' });
  return out;
}
