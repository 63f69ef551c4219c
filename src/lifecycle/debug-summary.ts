// What --debug says about a plan and a cgroup: built only when --debug is given.
import { NAMESPACE_FLAGS } from '../plan/namespaces';
import type { InitPlan, NamespaceJoin } from '../plan/init-plan';
import type { RecordCgroup } from '../state/record';

function namespaceName(flag: number): string {
  return Object.entries(NAMESPACE_FLAGS).find(([, f]) => f === flag)?.[0] ?? `0x${flag.toString(16)}`;
}

function createdNamespaces(flags: number): string[] {
  return Object.entries(NAMESPACE_FLAGS)
    .filter(([, f]) => (flags & f) !== 0)
    .map(([name]) => name);
}

function joinedNamespaces(joins: NamespaceJoin[]): string[] {
  return joins.map((j) => `${namespaceName(j.flag)}=${j.path}`);
}

/** The namespaces a plan creates and joins: "new [mount pid] joined [network=/proc/1/ns/net]". */
export function namespacesSummary(plan: Pick<InitPlan, 'createNamespaces' | 'joinNamespaces'>): string {
  return `new [${createdNamespaces(plan.createNamespaces).join(' ')}] joined [${joinedNamespaces(plan.joinNamespaces).join(' ')}]`;
}

/**
 * The cgroup as one phrase: each path inside the hierarchies with the hierarchies that
 * have it ("cgroupfs-v1 /c1 (cpu memory pids)"); a full directory where the key does
 * not name its mount.
 */
export function cgroupSummary(cgroup: RecordCgroup): string {
  const entries = Object.entries(cgroup.paths);
  if (entries.length === 0) return `${cgroup.driver} (no cgroup of its own)`;
  const byPath = new Map<string, string[]>();
  for (const [key, dir] of entries) {
    const at = dir.indexOf(`/${key}/`);
    const inner = at < 0 ? dir : dir.slice(at + key.length + 1);
    byPath.set(inner, [...(byPath.get(inner) ?? []), key]);
  }
  return `${cgroup.driver} ${[...byPath].map(([inner, keys]) => `${inner} (${keys.join(' ')})`).join(', ')}`;
}

/** The plan of a container's init in one line. */
export function planSummary(plan: InitPlan, cgroup: RecordCgroup): string {
  const root = plan.noPivot ? 'no-pivot (MS_MOVE and chroot)' : plan.ownMountNamespace ? 'pivot_root' : 'chroot (no mount namespace)';
  const p = plan.process;
  return (
    `plan: namespaces ${namespacesSummary(plan)}; ${plan.mounts.length} mounts, ${plan.devices.length} devices; ` +
    `rootfs ${plan.rootfs} by ${root}${plan.readonlyRoot ? ', read-only' : ''}; cgroup ${cgroupSummary(cgroup)}; ` +
    `process ${JSON.stringify(p.args)} uid ${p.uid} gid ${p.gid} cwd ${p.cwd}; ` +
    `seccomp ${plan.seccomp ? 'yes' : 'no'}; hooks in the container: ${plan.hooks.createContainer.length} createContainer, ` +
    `${plan.hooks.startContainer.length} startContainer`
  );
}

/** uid or gid mappings as "containerID:hostID:size,...". */
export function idMapText(maps: Array<{ containerID: number; hostID: number; size: number }> | undefined): string {
  return (maps ?? []).map((m) => `${m.containerID}:${m.hostID}:${m.size}`).join(',') || 'none';
}
