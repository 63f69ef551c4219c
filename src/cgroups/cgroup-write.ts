import type { DeviceRule } from './device-rules';

/**
 * One write of a cgroup control file: the unit the resource translators produce
 * (pure, see v1-translate.ts and v2-translate.ts) and apply-writes.ts carries out.
 */
export interface CgroupWrite {
  /**
   * Where the file is: a v1 controller ("memory", "cpu", "blkio"...) whose hierarchy
   * holds the container's directory, or "unified" for the cgroup v2 directory.
   */
  controller: string;
  file: string;
  value: string;
  /** JSON pointer of the field the write comes from, for error messages. */
  pointer: string;
  /**
   * On EINVAL, retry once after the other writes of the same controller: a limit that
   * must stay within another one being changed too (memory and memory+swap, CFS period
   * and quota), the order runc and crun use.
   */
  retryLater?: boolean;
  /** When the file does not exist: skip, skip with a warning, or write another file instead. */
  ifMissing?: 'skip' | { warn: string } | { file: string; value: string };
  /** On EINVAL: skip with this warning instead of failing. */
  ifInvalid?: { warn: string };
  /**
   * Read the file back: "cpu-shares" fails when the kernel clamped the value (as runc);
   * `ignoredWarn` warns when the kernel accepted a byte limit but did not keep it.
   */
  check?: 'cpu-shares' | { ignoredWarn: string };
  /** One line of a list file (devices.allow, io.max...): no undo on failure. */
  list?: boolean;
}

/** What a translation of linux.resources produced. */
export interface Translation {
  writes: CgroupWrite[];
  /** Settings the host cannot enforce that were left out (deprecated kernel memory...). */
  warnings: string[];
  /** cgroup v2: the device rules to compile into an eBPF program; undefined: leave devices alone. */
  deviceRules?: DeviceRule[];
  /** Controllers the v2 directory needs enabled (subtree_control of its ancestors). */
  v2Controllers: string[];
}

/** An integer as the kernel reads it; numbers beyond 2^53 (2^64-1...) without exponent notation. */
export function formatInt(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : BigInt(Math.trunc(n)).toString();
}

/** 2^63 and above: an unsigned "unset" sentinel some engines send (-1 as uint64). */
export function isUnsetSentinel(n: number): boolean {
  return n >= 9223372036854775807;
}
