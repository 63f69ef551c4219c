import { OcirtError } from '../native/error';
import { type DeviceRule, deviceRuleLine } from './device-rules';

/**
 * What a v1 device cgroup would end up as after a list of rules, as the kernel applies
 * them: a default (allow or deny everything) and exceptions to it, each an access set
 * for one (type, major, minor). cgroup v2 has no device controller, only an eBPF
 * program; compiling the emulated end state (not the raw rules) gives it exactly v1's
 * behaviour, including the refusal of a deny that would punch a hole in a wildcard
 * exception, which v1 cannot express either (runc does the same).
 */
export interface DeviceState {
  defaultAllow: boolean;
  /** Exceptions to the default; their order does not matter (all have the opposite action). */
  exceptions: DeviceRule[];
}

export function emulateDeviceRules(rules: readonly DeviceRule[]): DeviceState {
  let defaultAllow = false;
  const exceptions = new Map<string, DeviceRule>();
  const key = (r: DeviceRule) => `${r.type} ${r.major}:${r.minor}`;
  for (const rule of rules) {
    if (rule.type === 'a') {
      defaultAllow = rule.allow;
      exceptions.clear();
      continue;
    }
    if (rule.allow !== defaultAllow) {
      // Adds (or widens) an exception.
      const old = exceptions.get(key(rule));
      const access = mergeAccess(old?.access ?? '', rule.access);
      exceptions.set(key(rule), { allow: rule.allow, type: rule.type, major: rule.major, minor: rule.minor, access });
      continue;
    }
    // Same action as the default: takes access away from an exception.
    for (const wild of wildcardsOf(rule)) {
      const w = exceptions.get(key(wild));
      if (w && intersect(w.access, rule.access) !== '') {
        throw new OcirtError(
          `device rule "${deviceRuleLine(rule)}" (${rule.allow ? 'allow' : 'deny'}) cannot be applied: it would punch a hole ` +
            `in the wildcard rule "${deviceRuleLine(w)}", which cgroup v1 cannot express either`,
        );
      }
    }
    const old = exceptions.get(key(rule));
    if (!old) continue;
    const left = removeAccess(old.access, rule.access);
    if (left === '') exceptions.delete(key(rule));
    else exceptions.set(key(rule), { ...old, access: left });
  }
  return { defaultAllow, exceptions: [...exceptions.values()] };
}

/** The rules with a wildcard major and/or minor that cover a specific rule. */
function wildcardsOf(r: DeviceRule): DeviceRule[] {
  const out: DeviceRule[] = [];
  for (const [major, minor] of [[-1, r.minor], [r.major, -1], [-1, -1]]) {
    if (major === r.major && minor === r.minor) continue;
    out.push({ ...r, major, minor });
  }
  return out;
}

const ORDER = ['r', 'w', 'm'];

function mergeAccess(a: string, b: string): string {
  return ORDER.filter((c) => a.includes(c) || b.includes(c)).join('');
}

function intersect(a: string, b: string): string {
  return ORDER.filter((c) => a.includes(c) && b.includes(c)).join('');
}

function removeAccess(a: string, b: string): string {
  return ORDER.filter((c) => a.includes(c) && !b.includes(c)).join('');
}
