import type { LinuxIdMapping, Mount } from '../spec/types';
import type { PlanIdmapUserNamespace, PlanMountIdmap } from './init-plan';
import { MS_REC } from './mount-flags';
import { planError } from './plan-error';

/** The mount options of idmapped mounts, for `ocirt features` (runc lists them too). */
export const IDMAP_MOUNT_OPTIONS = ['idmap', 'ridmap'] as const;

/** What an idmapped mount's plan depends on besides the mount itself. */
export interface IdmapContext {
  /** The container's user namespace: none, created with linux.uid/gidMappings, or joined by path. */
  userNamespace: { kind: 'none' } | { kind: 'created'; uidMappings: LinuxIdMapping[]; gidMappings: LinuxIdMapping[] } | { kind: 'joined'; path: string };
  /**
   * The runtime is root: mount_setattr(MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN over the
   * source's filesystem, which only the host's root has for host files.
   */
  privilegedRuntime: boolean;
}

/** Collects the user namespaces the idmapped mounts need, one per distinct mapping. */
export class IdmapUserNamespaces {
  readonly list: PlanIdmapUserNamespace[] = [];
  private readonly index = new Map<string, number>();

  add(ns: PlanIdmapUserNamespace): number {
    const key = JSON.stringify(ns);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.list.push(ns) - 1;
      this.index.set(key, i);
    }
    return i;
  }
}

/** The mount asks for an idmapping: uidMappings/gidMappings, or the idmap/ridmap option. */
export function wantsIdmap(m: Mount): boolean {
  return m.uidMappings !== undefined || m.gidMappings !== undefined || lastIdmapOption(m) !== undefined;
}

/**
 * runc 1.2's rules (specconv, validate.checkIDMapMounts): only bind mounts; not for a
 * rootless runtime; explicit mappings need uid and gid ranges; `idmap`/`ridmap` without
 * mappings take the container's user namespace mappings, or the namespace itself when it
 * is joined by path; no user namespace is needed when the mappings are explicit.
 * `ridmap` idmaps the submounts too (the last of idmap/ridmap wins, as in runc).
 * Returns undefined for a mount without an idmapping.
 */
export function translateIdmap(
  m: Mount,
  at: string,
  bind: boolean,
  bindFlags: number,
  ctx: IdmapContext | undefined,
  namespaces: IdmapUserNamespaces,
): PlanMountIdmap | undefined {
  if (!wantsIdmap(m)) return undefined;
  if (!bind) {
    throw planError(at, `idmapped mounts are only supported for bind mounts (type ${JSON.stringify(m.type ?? '')} without "bind" or "rbind" in options)`);
  }
  if (!ctx?.privilegedRuntime) {
    throw planError(at, 'idmapped mounts are not supported for rootless containers: the kernel lets only the host\'s root idmap a host filesystem');
  }
  const ns = mappingNamespace(m, at, ctx);
  return {
    userNamespace: namespaces.add(ns),
    recursive: lastIdmapOption(m) === 'ridmap',
    cloneRecursive: (bindFlags & MS_REC) !== 0,
    configPointer: at,
  };
}

function mappingNamespace(m: Mount, at: string, ctx: IdmapContext): PlanIdmapUserNamespace {
  if (m.uidMappings !== undefined || m.gidMappings !== undefined) {
    for (const field of ['uidMappings', 'gidMappings'] as const) {
      if (!m[field]?.length) {
        throw planError(`${at}/${field}`, 'has no ranges: an idmapped mount needs both uid and gid mappings');
      }
    }
    return { uidMap: mapText(m.uidMappings!), gidMap: mapText(m.gidMappings!) };
  }
  const userns = ctx.userNamespace;
  if (userns.kind === 'joined') return { path: userns.path };
  if (userns.kind === 'created') return { uidMap: mapText(userns.uidMappings), gidMap: mapText(userns.gidMappings) };
  throw planError(
    `${at}/options`,
    `"${lastIdmapOption(m)}" without uidMappings and gidMappings takes the container's user namespace mappings, and the container has no user namespace: add the mappings to the mount`,
  );
}

function lastIdmapOption(m: Mount): 'idmap' | 'ridmap' | undefined {
  const found = (m.options ?? []).filter((o) => (IDMAP_MOUNT_OPTIONS as readonly string[]).includes(o));
  return found.length ? (found[found.length - 1] as 'idmap' | 'ridmap') : undefined;
}

/** uid_map / gid_map text: "containerID hostID size" per line. */
function mapText(maps: readonly LinuxIdMapping[]): string {
  return maps.map((r) => `${r.containerID} ${r.hostID} ${r.size}\n`).join('');
}
