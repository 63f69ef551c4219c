// RLIMIT_* resource numbers as used by setrlimit(2)/prlimit(2) on x86, arm, arm64,
// riscv, s390, ppc and loongarch (asm-generic/resource.h). mips, sparc and alpha
// number some of them differently; ocirt does not target those.
export const RLIMIT_NUMBERS = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
} as const;

export type RlimitName = keyof typeof RLIMIT_NUMBERS;

export function isRlimitName(name: string): name is RlimitName {
  return Object.hasOwn(RLIMIT_NUMBERS, name);
}
