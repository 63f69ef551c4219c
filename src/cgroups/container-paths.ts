import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';
import type { HostHierarchy } from './host-hierarchies';

/**
 * The caller's own cgroup per hierarchy, from /proc/self/cgroup: controller list
 * ("cpu,cpuacct", "name=systemd", "" for v2) → path.
 */
export function callerCgroups(text = safeRead('/proc/self/cgroup')): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/**
 * Where the container's cgroup is, for one hierarchy: an absolute cgroupsPath is taken
 * as it is; a relative one (and the default, the container id) is placed under the
 * caller's own cgroup in that hierarchy, as runc does. On a unified (v2-only) host
 * runc places it beside the caller's cgroup instead (`besideCaller`): the caller's own
 * cgroup holds processes, so it could not hand controllers down to a child.
 */
export function containerCgroupDir(h: HostHierarchy, cgroupsPath: string, caller: Map<string, string>, besideCaller = false): string {
  const inner = path.posix.normalize(cgroupsPath);
  if (inner.split('/').includes('..')) throw new OcirtError(`/linux/cgroupsPath: must not contain "..": ${cgroupsPath}`);
  let rel: string;
  if (path.posix.isAbsolute(inner)) {
    rel = inner;
  } else {
    const key = h.version === 2 ? '' : h.controllers.join(',');
    const own = caller.get(key) ?? '/';
    rel = path.posix.join(besideCaller ? path.posix.dirname(own) : own, inner);
  }
  // A hierarchy mounted from a sub-tree (inside a cgroup namespace) sees paths relative to it.
  if (h.root !== '/' && (rel === h.root || rel.startsWith(`${h.root}/`))) rel = rel.slice(h.root.length) || '/';
  return path.join(h.mountPoint, rel);
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
