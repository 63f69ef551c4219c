import type { Mount } from '../spec/types';
import type { PlanIdmapUserNamespace, PlanMount, PlanMountIdmap, PlanSymlink } from './init-plan';
import { expandCgroupMount } from './cgroup-mounts';
import { type IdmapContext, IdmapUserNamespaces, translateIdmap } from './idmap-mounts';
import { MS_BIND, MS_RDONLY, MS_REC, MS_REMOUNT } from './mount-flags';
import { addMountExtensions } from './mount-extensions';
import { bindRemountFlags, isBindMount, parseMountOptions } from './mount-options';
import { containerPath, hostPath } from './paths';
import type { CgroupLayout } from './plan-options';
import { planError, pointer } from './plan-error';
import type { MountSetattrSupport } from './recursive-attributes';
import { type CreatedNamespaces, userNamespaceMount } from './user-namespace-mounts';

export interface MountContext {
  bundle: string;
  sourceKinds: Record<string, 'dir' | 'file'>;
  cgroup: CgroupLayout;
  /** The container creates or joins a cgroup namespace. */
  cgroupNamespace: boolean;
  /** Namespaces created anew: in a new user namespace proc, sysfs and mqueue need their own. */
  created?: CreatedNamespaces;
  /** Bind sources are opened by the runtime (PlanMount.preopenSource). */
  preopenBindSources?: boolean;
  /** What mount_setattr(2) accepts here, for the recursive attributes; absent: not checked. */
  mountSetattr?: MountSetattrSupport;
  /** For idmapped mounts (src/plan/idmap-mounts.ts); absent: every idmapped mount is refused. */
  idmap?: IdmapContext;
}

export interface MountsPlan {
  mounts: PlanMount[];
  /** Symlinks that belong with the mounts (cgroup v1 co-mounts), absolute container paths. */
  symlinks: PlanSymlink[];
  /** InitPlan.idmapUserNamespaces: what PlanMount.idmap refers to. */
  idmapUserNamespaces: PlanIdmapUserNamespace[];
}

const NO_SYMLINK_TYPES = new Set(['proc', 'sysfs']);
const NO_SYMLINK_DESTINATIONS = new Set(['/proc', '/sys']);

/** spec.mounts → PlanMount[], in order; a "cgroup" mount expands to several. */
export function translateMounts(specMounts: readonly Mount[] | undefined, ctx: MountContext): MountsPlan {
  const mounts: PlanMount[] = [];
  const symlinks: PlanSymlink[] = [];
  const idmapNamespaces = new IdmapUserNamespaces();
  const firstPlanned: number[] = [];
  (specMounts ?? []).forEach((m, i) => {
    firstPlanned.push(mounts.length);
    const at = pointer('mounts', i);
    const options = parseMountOptions(m.options, `${at}/options`);
    const bind = isBindMount(m.type, options);
    const idmap = translateIdmap(m, at, bind, options.flags, ctx.idmap, idmapNamespaces);
    const destination = containerPath(m.destination);
    if (bind) {
      mounts.push(translateBind(m, i, options, ctx, idmap));
    } else if (m.type === 'cgroup') {
      const expanded = expandCgroupMount(
        { destination, source: m.source ?? 'cgroup', options, at },
        ctx.cgroup,
        ctx.cgroupNamespace,
      );
      mounts.push(...expanded.mounts);
      symlinks.push(...expanded.symlinks);
    } else {
      if (!m.type) throw planError(`${at}/type`, 'a mount that is not a bind mount needs a type');
      const inUserNamespace = userNamespaceMount(m.type, destination, options, ctx.created, at);
      if (inUserNamespace) {
        mounts.push(inUserNamespace);
        return;
      }
      const lateReadonly = m.type === 'tmpfs' && (options.flags & MS_RDONLY) !== 0;
      mounts.push({
        source: m.source ?? '',
        destination,
        fstype: m.type,
        flags: lateReadonly ? options.flags & ~MS_RDONLY : options.flags,
        readonlyAfterSetup: lateReadonly,
        data: options.data,
        remountFlags: 0,
        propagation: options.propagation,
        createAs: 'dir',
        noSymlinks: NO_SYMLINK_TYPES.has(m.type) || NO_SYMLINK_DESTINATIONS.has(destination),
        ...(m.type === 'tmpfs' && !hasDataOption(options.data, 'mode') ? { copyMountPointMode: true } : {}),
      });
    }
  });
  (specMounts ?? []).forEach((m, i) => {
    const planned = mounts.slice(firstPlanned[i], firstPlanned[i + 1] ?? mounts.length);
    const at = pointer('mounts', i);
    addMountExtensions(planned, m, parseMountOptions(m.options, `${at}/options`), ctx.mountSetattr, at);
  });
  return { mounts, symlinks, idmapUserNamespaces: idmapNamespaces.list };
}

function hasDataOption(data: string, key: string): boolean {
  return data.split(',').some((o) => o.startsWith(`${key}=`));
}

/**
 * A bind mount: the first mount(2) only binds (MS_BIND, MS_REC for rbind, MS_REMOUNT
 * if the config asked for "remount"); the other flags are applied by a second
 * MS_REMOUNT|MS_BIND call. Filesystem data (mode=, size=) means nothing to a bind:
 * the kernel ignores it, and so does runc; so does ocirt.
 */
function translateBind(
  m: Mount,
  i: number,
  options: ReturnType<typeof parseMountOptions>,
  ctx: MountContext,
  idmap: PlanMountIdmap | undefined,
): PlanMount {
  const at = pointer('mounts', i);
  if (!m.source) throw planError(`${at}/source`, 'a bind mount needs a source');
  const source = hostPath(ctx.bundle, m.source);
  const kind = ctx.sourceKinds[source];
  if (kind === undefined) throw planError(`${at}/source`, `mount source ${source} does not exist`);
  const destination = containerPath(m.destination);
  return {
    source,
    destination,
    fstype: '',
    flags: MS_BIND | (options.flags & (MS_REC | MS_REMOUNT)),
    data: '',
    remountFlags: bindRemountFlags(options),
    readonlyAfterSetup: false,
    propagation: options.propagation,
    createAs: kind === 'file' ? 'file' : 'dir',
    noSymlinks: NO_SYMLINK_DESTINATIONS.has(destination),
    ...(ctx.preopenBindSources && !idmap ? { preopenSource: true } : {}),
    ...(idmap ? { idmap } : {}),
  };
}

/**
 * The host paths of the bind mount sources, resolved as translateMounts resolves them:
 * what host-facts.ts must stat. Mounts with options the compiler refuses are skipped
 * (compilePlan reports them).
 */
export function bindSourcePaths(specMounts: readonly Mount[] | undefined, bundle: string): string[] {
  const paths: string[] = [];
  (specMounts ?? []).forEach((m, i) => {
    let bind: boolean;
    try {
      bind = isBindMount(m.type, parseMountOptions(m.options, pointer('mounts', i, 'options')));
    } catch {
      return;
    }
    if (bind && m.source) paths.push(hostPath(bundle, m.source));
  });
  return paths;
}
