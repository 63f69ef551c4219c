/**
 * The numbers behind linux.seccomp's names: actions (the kernel's SECCOMP_RET_* values,
 * which libseccomp's SCMP_ACT_* are), comparison operators (libseccomp's enum
 * scmp_compare), filter flags (SECCOMP_FILTER_FLAG_*), and architectures (libseccomp's
 * name and the kernel's AUDIT_ARCH_* value, which the ENOSYS stub compares with).
 */
import type { LinuxSeccompAction, LinuxSeccompArch, LinuxSeccompFlag, LinuxSeccompOperator } from '../spec/types';

export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;

export const EPERM = 1;
export const ENOSYS = 38;
/** The kernel clamps a SECCOMP_RET_ERRNO value to MAX_ERRNO. */
export const MAX_ERRNO = 4095;

/** The base value of each action; ERRNO and TRACE carry an errno in their low 16 bits. */
export const ACTION_BASE: Record<LinuxSeccompAction, number> = {
  // SCMP_ACT_KILL is libseccomp's old name of KILL_THREAD.
  SCMP_ACT_KILL: SECCOMP_RET_KILL_THREAD,
  SCMP_ACT_KILL_PROCESS: SECCOMP_RET_KILL_PROCESS,
  SCMP_ACT_KILL_THREAD: SECCOMP_RET_KILL_THREAD,
  SCMP_ACT_TRAP: SECCOMP_RET_TRAP,
  SCMP_ACT_ERRNO: SECCOMP_RET_ERRNO,
  SCMP_ACT_TRACE: SECCOMP_RET_TRACE,
  SCMP_ACT_ALLOW: SECCOMP_RET_ALLOW,
  SCMP_ACT_LOG: SECCOMP_RET_LOG,
  SCMP_ACT_NOTIFY: SECCOMP_RET_USER_NOTIF,
};

/** Actions with an errno (errnoRet; EPERM when absent, as runc). */
export const ERRNO_ACTIONS: ReadonlySet<LinuxSeccompAction> = new Set(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);

/** libseccomp's enum scmp_compare. */
export const OPERATORS: Record<LinuxSeccompOperator, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

export const SECCOMP_FILTER_FLAG_TSYNC = 1;
export const SECCOMP_FILTER_FLAG_LOG = 2;
export const SECCOMP_FILTER_FLAG_SPEC_ALLOW = 4;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;
export const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 32;

/**
 * What each spec flag adds to seccomp(2)'s flags. TSYNC is accepted and adds nothing,
 * as with runc: the init is single-threaded, and TSYNC would make the kernel refuse
 * NEW_LISTENER.
 */
export const FLAG_VALUES: Record<LinuxSeccompFlag, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 0,
  SECCOMP_FILTER_FLAG_LOG: SECCOMP_FILTER_FLAG_LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: SECCOMP_FILTER_FLAG_SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
};

/**
 * The seccomp(2) flags to probe the kernel with for each spec flag
 * (WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER).
 */
export const FLAG_PROBES: Record<LinuxSeccompFlag, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_LOG: SECCOMP_FILTER_FLAG_LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: SECCOMP_FILTER_FLAG_SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_NEW_LISTENER,
};

const AUDIT_ARCH_64BIT = 0x80000000;
const AUDIT_ARCH_LE = 0x40000000;
const AUDIT_ARCH_MIPS64_N32 = 0x20000000;
const audit = (machine: number, ...bits: number[]): number => bits.reduce((a, b) => (a | b) >>> 0, machine) >>> 0;

export interface ArchInfo {
  /** libseccomp's name (seccomp_arch_resolve_name). */
  libseccomp: string;
  /** AUDIT_ARCH_* as seccomp_data.arch carries it. */
  audit: number;
}

/** Every architecture of the runtime-spec. x32 shares x86_64's AUDIT_ARCH (its syscalls have bit 30 set). */
export const ARCHES: Record<LinuxSeccompArch, ArchInfo> = {
  SCMP_ARCH_X86: { libseccomp: 'x86', audit: audit(3, AUDIT_ARCH_LE) },
  SCMP_ARCH_X86_64: { libseccomp: 'x86_64', audit: audit(62, AUDIT_ARCH_64BIT, AUDIT_ARCH_LE) },
  SCMP_ARCH_X32: { libseccomp: 'x32', audit: audit(62, AUDIT_ARCH_64BIT, AUDIT_ARCH_LE) },
  SCMP_ARCH_ARM: { libseccomp: 'arm', audit: audit(40, AUDIT_ARCH_LE) },
  SCMP_ARCH_AARCH64: { libseccomp: 'aarch64', audit: audit(183, AUDIT_ARCH_64BIT, AUDIT_ARCH_LE) },
  SCMP_ARCH_LOONGARCH64: { libseccomp: 'loongarch64', audit: audit(258, AUDIT_ARCH_64BIT, AUDIT_ARCH_LE) },
  SCMP_ARCH_M68K: { libseccomp: 'm68k', audit: audit(4) },
  SCMP_ARCH_MIPS: { libseccomp: 'mips', audit: audit(8) },
  SCMP_ARCH_MIPS64: { libseccomp: 'mips64', audit: audit(8, AUDIT_ARCH_64BIT) },
  SCMP_ARCH_MIPS64N32: { libseccomp: 'mips64n32', audit: audit(8, AUDIT_ARCH_64BIT, AUDIT_ARCH_MIPS64_N32) },
  SCMP_ARCH_MIPSEL: { libseccomp: 'mipsel', audit: audit(8, AUDIT_ARCH_LE) },
  SCMP_ARCH_MIPSEL64: { libseccomp: 'mipsel64', audit: audit(8, AUDIT_ARCH_64BIT, AUDIT_ARCH_LE) },
  SCMP_ARCH_MIPSEL64N32: { libseccomp: 'mipsel64n32', audit: audit(8, AUDIT_ARCH_64BIT, AUDIT_ARCH_LE, AUDIT_ARCH_MIPS64_N32) },
  SCMP_ARCH_PPC: { libseccomp: 'ppc', audit: audit(20) },
  SCMP_ARCH_PPC64: { libseccomp: 'ppc64', audit: audit(21, AUDIT_ARCH_64BIT) },
  SCMP_ARCH_PPC64LE: { libseccomp: 'ppc64le', audit: audit(21, AUDIT_ARCH_64BIT, AUDIT_ARCH_LE) },
  SCMP_ARCH_S390: { libseccomp: 's390', audit: audit(22) },
  SCMP_ARCH_S390X: { libseccomp: 's390x', audit: audit(22, AUDIT_ARCH_64BIT) },
  SCMP_ARCH_SH: { libseccomp: 'sh', audit: audit(42, AUDIT_ARCH_LE) },
  SCMP_ARCH_SHEB: { libseccomp: 'sheb', audit: audit(42) },
  SCMP_ARCH_PARISC: { libseccomp: 'parisc', audit: audit(15) },
  SCMP_ARCH_PARISC64: { libseccomp: 'parisc64', audit: audit(15, AUDIT_ARCH_64BIT) },
  SCMP_ARCH_RISCV64: { libseccomp: 'riscv64', audit: audit(243, AUDIT_ARCH_64BIT, AUDIT_ARCH_LE) },
};

/** The spec name of a libseccomp architecture name ("x86_64" → SCMP_ARCH_X86_64). */
export function archFromLibseccomp(name: string): LinuxSeccompArch | undefined {
  return (Object.keys(ARCHES) as LinuxSeccompArch[]).find((a) => ARCHES[a].libseccomp === name);
}

/** Kernel action value of a spec action with its errno (ERRNO/TRACE). */
export function actionValue(action: LinuxSeccompAction, errno: number): number {
  const base = ACTION_BASE[action];
  return ERRNO_ACTIONS.has(action) ? (base | (errno & 0xffff)) >>> 0 : base;
}
