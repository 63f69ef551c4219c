import type { LinuxDeviceCgroup } from '../spec/types-resources';
import type { CgroupWrite } from './cgroup-write';

/** A device cgroup rule, normalized: -1 is a wildcard major or minor. */
export interface DeviceRule {
  allow: boolean;
  /** "a" (every device: major and minor are ignored), "b" or "c". */
  type: 'a' | 'b' | 'c';
  major: number;
  minor: number;
  /** Some of "r", "w", "m", each once, in that order. */
  access: string;
}

/**
 * The devices every container may use whatever its config says, appended after the
 * config's rules as runc does (specconv.AllowedDevices): mknod of any node, the
 * standard character devices, ptys, /dev/ptmx and /dev/net/tun.
 */
export const DEFAULT_ALLOWED_DEVICES: readonly DeviceRule[] = [
  { allow: true, type: 'c', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

const DENY_ALL: DeviceRule = { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' };

/** "mwr" → "rwm"; duplicates dropped. */
export function normalizeAccess(access: string): string {
  return ['r', 'w', 'm'].filter((c) => access.includes(c)).join('');
}

export function normalizeRule(r: LinuxDeviceCgroup): DeviceRule {
  const type = r.type === 'b' || r.type === 'c' ? r.type : 'a';
  return {
    allow: r.allow,
    type,
    major: type === 'a' || r.major === undefined ? -1 : r.major,
    minor: type === 'a' || r.minor === undefined ? -1 : r.minor,
    access: normalizeAccess(r.access ?? 'rwm'),
  };
}

/**
 * The rules a container's device cgroup gets, in order: deny everything (runc starts
 * every container from an empty allow list, whether or not the config says so), the
 * config's rules, then the default allowed devices.
 */
export function containerDeviceRules(config: readonly LinuxDeviceCgroup[] | undefined): DeviceRule[] {
  const rules = [DENY_ALL, ...(config ?? []).map(normalizeRule), ...DEFAULT_ALLOWED_DEVICES];
  // The config's usual first rule is itself "deny all": do not write it twice.
  return rules.filter((r, i) => i === 0 || !(sameRule(r, DENY_ALL) && sameRule(rules[i - 1], DENY_ALL)));
}

function sameRule(a: DeviceRule, b: DeviceRule): boolean {
  return a.allow === b.allow && a.type === b.type && a.major === b.major && a.minor === b.minor && a.access === b.access;
}

/** The line devices.allow/devices.deny take: "a", or "c 1:3 rwm" with * for wildcards. */
export function deviceRuleLine(r: DeviceRule): string {
  if (r.type === 'a') return 'a';
  const n = (x: number) => (x < 0 ? '*' : String(x));
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}

/**
 * cgroup v1: one write per rule, in order, to devices.allow or devices.deny. The kernel
 * keeps the exceptions in the order written, so devices.list shows the config's rules
 * in the config's order.
 */
export function v1DeviceWrites(config: readonly LinuxDeviceCgroup[] | undefined, at: string): CgroupWrite[] {
  return containerDeviceRules(config).map((r) => ({
    controller: 'devices',
    file: r.allow ? 'devices.allow' : 'devices.deny',
    value: deviceRuleLine(r),
    pointer: `${at}/devices`,
    list: true,
  }));
}
