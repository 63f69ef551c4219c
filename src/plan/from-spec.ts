import type { Spec } from '../spec/types';
import { INIT_PLAN_VERSION, type InitPlan, type PlanProcessAttributes } from './init-plan';
import { translateDevices } from './devices';
import { translateInitHooks } from './hooks';
import type { IdmapContext } from './idmap-mounts';
import { joinedUserNamespaceIds } from './joined-user-namespace';
import { applyMountLabel } from './lsm';
import { translateMounts } from './mounts';
import { translateNamespaces, type NamespacePlan } from './namespaces';
import { withNotifySocket } from './notify-socket';
import type { PlanOptions } from './plan-options';
import { planError, pointer } from './plan-error';
import { translateAttributes } from './process-attributes';
import { markRlimitsByRuntime, translateProcess } from './process';
import { translateRootfs } from './rootfs';
import { translateSysctl } from './sysctl';

export type { CgroupHierarchy, CgroupLayout, HostFacts, PlanOptions } from './plan-options';

/**
 * Spec + options → the InitPlan the native init executes. Pure: no file system, no
 * clock, no environment; the same input always gives the same plan (a seccomp filter
 * is compiled by the deterministic opts.seccompCompiler). Refuses what it
 * cannot turn into a plan with an OcirtError `<json pointer>: <reason>`.
 */
export function compilePlan(spec: Spec, opts: PlanOptions): InitPlan {
  ({ spec, opts } = withNotifySocket(spec, opts));
  const ns = translateNamespaces(spec.linux);
  // A new user namespace, or the one the runtime already runs in (rootless engines).
  const inUserNamespace = opts.host.inUserNamespace === true;
  checkUts(spec, ns);
  const rootfs = translateRootfs(spec, opts.bundle, opts.noPivot);
  const process = translateProcess(spec.process, {
    unknown: opts.unknownCapabilities ?? 'error',
    capLastCap: opts.host.capLastCap,
    hostBounding: ns.has.has('user') || opts.host.capBounding === undefined ? undefined : BigInt(opts.host.capBounding),
  });
  if (ns.has.has('user')) markRlimitsByRuntime(process);
  const { mounts, symlinks: mountSymlinks, idmapUserNamespaces } = translateMounts(spec.mounts, {
    bundle: opts.bundle,
    sourceKinds: opts.host.sourceKinds,
    cgroup: opts.host.cgroup,
    cgroupNamespace: ns.has.has('cgroup'),
    created: {
      user: ns.created.has('user') || inUserNamespace,
      network: ns.created.has('network'),
      pid: ns.created.has('pid'),
      ipc: ns.created.has('ipc'),
    },
    // In a user namespace of its own the container's root may not reach what root can.
    preopenBindSources: ns.has.has('user') && opts.host.privilegedRuntime === true,
    mountSetattr: opts.host.mountSetattr,
    idmap: idmapContext(spec, opts),
  });
  const { devices, devSymlinks } = translateDevices(spec.linux?.devices, {
    userNamespace: ns.has.has('user') || inUserNamespace,
    hasKcore: opts.host.hasKcore,
    mounts,
  });
  const attributes = translateProcessAttributes(spec, opts);
  const joinedIds = joinedUserNamespaceIds(spec, opts.host.joinedUserNamespace);

  return {
    version: INIT_PLAN_VERSION,
    containerId: opts.containerId,
    joinNamespaces: ns.joinNamespaces,
    createNamespaces: ns.createNamespaces,
    waitForIdMaps: ns.waitForIdMaps,
    ...(joinedIds ? { joinedUserNamespaceIds: joinedIds } : {}),
    timeOffsets: ns.timeOffsets,
    execFifo: opts.execFifo,
    ...rootfs,
    // translateNamespaces refuses a config without a mount namespace (created or joined).
    ownMountNamespace: ns.has.has('mount'),
    mounts: applyMountLabel(mounts, spec.linux, opts.host.lsm),
    ...(idmapUserNamespaces.length ? { idmapUserNamespaces } : {}),
    devices,
    // Stop-gap: the cgroup v1 co-mount links travel with the /dev links until the plan
    // has a field of their own (they are created after all mounts, like those).
    devSymlinks: [...devSymlinks, ...mountSymlinks],
    maskedPaths: [...(spec.linux?.maskedPaths ?? [])],
    readonlyPaths: [...(spec.linux?.readonlyPaths ?? [])],
    sysctl: translateSysctl(spec.linux?.sysctl),
    hostname: nonEmpty(spec.hostname),
    domainname: nonEmpty(spec.domainname),
    process,
    preserveFds: opts.preserveFds,
    ...attributes,
    hooks: translateInitHooks(spec.hooks, process.env),
  };
}

/** Scheduler, I/O priority, personality, memory policy, LSM labels, seccomp: only those the config sets. */
function translateProcessAttributes(spec: Spec, opts: PlanOptions): PlanProcessAttributes {
  return translateAttributes(spec, spec.process, opts.host, opts.seccompCompiler);
}

/** runc: sethostname/setdomainname only with a uts namespace; "" means "leave it". */
function checkUts(spec: Spec, ns: NamespacePlan): void {
  for (const field of ['hostname', 'domainname'] as const) {
    if (spec[field] && !ns.has.has('uts')) {
      throw planError(pointer(field), `unable to set ${field} without a private UTS namespace`);
    }
  }
}

/** What idmap/ridmap without mappings refer to: the container's user namespace, if any. */
function idmapContext(spec: Spec, opts: PlanOptions): IdmapContext {
  const user = spec.linux?.namespaces?.find((n) => n.type === 'user');
  const privilegedRuntime = opts.host.privilegedRuntime === true;
  if (!user) return { userNamespace: { kind: 'none' }, privilegedRuntime };
  if (user.path) return { userNamespace: { kind: 'joined', path: user.path }, privilegedRuntime };
  const uidMappings = spec.linux?.uidMappings ?? [];
  const gidMappings = spec.linux?.gidMappings ?? [];
  return { userNamespace: { kind: 'created', uidMappings, gidMappings }, privilegedRuntime };
}

function nonEmpty(s: string | undefined): string | null {
  return s === undefined || s === '' ? null : s;
}
