import * as fs from 'node:fs';
import { OcirtError } from '../native/error';

/**
 * Who is creating the container, as far as rootless matters. `euid` decides how the
 * user namespace's maps are written and what the config may ask for (runc's
 * RootlessEUID); `cgroups` decides whether cgroups that cannot be written are skipped
 * (runc's RootlessCgroups, from --rootless).
 */
export interface RootlessMode {
  /** The caller is not root: id maps, rlimits and oom_score_adj are limited to what it owns. */
  euid: boolean;
  /** Cgroups the caller cannot write are skipped (with a note) instead of failing create. */
  cgroups: boolean;
  /** Root of the host's user namespace: may write any cgroup and device rule, whatever --rootless says. */
  hostRoot: boolean;
  uid: number;
  gid: number;
  /** The caller's user name (passwd), or "#<uid>" when it has none. */
  userName: string;
}

/** `--rootless true|false|auto` (runc's parseBoolOrAuto); absent or "auto" is auto. */
export function parseRootlessFlag(value: string | undefined): boolean | 'auto' {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (['true', '1', 't', 'T', 'TRUE', 'True'].includes(value)) return true;
  if (['false', '0', 'f', 'F', 'FALSE', 'False'].includes(value)) return false;
  throw new OcirtError(`--rootless must be true, false or auto, not ${JSON.stringify(value)}`);
}

/**
 * runc's decision: an explicit true/false wins; auto means rootless cgroups for any
 * non-root caller, and for root inside a user namespace (rootlesskit), whose "root"
 * cannot write the host's cgroups either.
 */
export function rootlessMode(
  flag: string | undefined,
  ids: { uid: number; gid: number } = { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 },
  uidMap: string = readOr('/proc/self/uid_map', ''),
): RootlessMode {
  const parsed = parseRootlessFlag(flag);
  const euid = ids.uid !== 0;
  const hostRoot = !euid && !inUserNamespace(uidMap);
  const cgroups = parsed === 'auto' ? !hostRoot : parsed;
  // The name is only shown for a non-root caller: root's create need not read passwd.
  return { euid, cgroups, hostRoot, uid: ids.uid, gid: ids.gid, userName: euid ? userNameOf(ids.uid) : 'root' };
}

/** Not in the initial user namespace: its uid_map is not the identity over all ids. */
export function inUserNamespace(uidMap: string): boolean {
  const lines = uidMap.trim().split('\n').filter(Boolean);
  if (lines.length === 0) return false;
  const fields = lines[0].trim().split(/\s+/);
  return !(lines.length === 1 && fields[0] === '0' && fields[1] === '0' && fields[2] === '4294967295');
}

/** The passwd name of uid, as `state`/`list` show a rootless container's owner. */
export function userNameOf(uid: number, passwd: string = readOr('/etc/passwd', '')): string {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length > 2 && f[2] === String(uid) && f[0]) return f[0];
  }
  return `#${uid}`;
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}
