import * as path from 'node:path';
import type { Linux, LinuxNamespaceType } from '../spec/types';
import {
  CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME,
  CLONE_NEWUSER, CLONE_NEWUTS, type NamespaceJoin, type TimeOffset,
} from './init-plan';
import { planError, pointer } from './plan-error';

export const NAMESPACE_FLAGS: Record<LinuxNamespaceType, number> = {
  pid: CLONE_NEWPID,
  network: CLONE_NEWNET,
  mount: CLONE_NEWNS,
  ipc: CLONE_NEWIPC,
  uts: CLONE_NEWUTS,
  user: CLONE_NEWUSER,
  cgroup: CLONE_NEWCGROUP,
  time: CLONE_NEWTIME,
};

/**
 * setns(2) order: the user namespace first (it grants the rights for the others), the
 * mount namespace last (after it, /proc paths of the other namespaces may be gone).
 */
const JOIN_ORDER: LinuxNamespaceType[] = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];

const CLOCKS = ['monotonic', 'boottime'] as const;

export interface NamespacePlan {
  joinNamespaces: NamespaceJoin[];
  createNamespaces: number;
  waitForIdMaps: boolean;
  timeOffsets: { monotonic?: TimeOffset; boottime?: TimeOffset } | null;
  /** Namespace kinds the container has of its own (created or joined): runc's Contains(). */
  has: Set<LinuxNamespaceType>;
  /** Namespace kinds created anew. */
  created: Set<LinuxNamespaceType>;
}

/**
 * linux.namespaces → clone flags and setns list. An entry with a non-empty path is
 * joined; without one (or with "", as Go reads it) the namespace is created.
 *
 * Refusals mirror runc (specconv + validate): unknown or duplicated kinds, a user
 * namespace to create without uid/gid mappings, mappings without a user namespace,
 * time offsets without a time namespace to create.
 */
export function translateNamespaces(linux: Linux | undefined): NamespacePlan {
  const entries = linux?.namespaces ?? [];
  const paths = new Map<LinuxNamespaceType, string>();
  const has = new Set<LinuxNamespaceType>();
  const created = new Set<LinuxNamespaceType>();
  let createNamespaces = 0;

  entries.forEach((ns, i) => {
    if (!Object.prototype.hasOwnProperty.call(NAMESPACE_FLAGS, ns.type)) {
      throw planError(pointer('linux', 'namespaces', i, 'type'), `unknown namespace type ${JSON.stringify(ns.type)}`);
    }
    if (has.has(ns.type)) {
      throw planError(pointer('linux', 'namespaces', i), `duplicated namespace "${ns.type}"`);
    }
    has.add(ns.type);
    if (ns.path) {
      if (!path.posix.isAbsolute(ns.path)) {
        throw planError(pointer('linux', 'namespaces', i, 'path'), `namespace path ${JSON.stringify(ns.path)} is not absolute`);
      }
      paths.set(ns.type, ns.path);
    } else {
      created.add(ns.type);
      createNamespaces |= NAMESPACE_FLAGS[ns.type];
    }
  });

  checkUserNamespace(linux, has, created);

  const joinNamespaces = JOIN_ORDER.filter((t) => paths.has(t)).map((t) => ({
    flag: NAMESPACE_FLAGS[t],
    path: paths.get(t) as string,
  }));

  return {
    joinNamespaces,
    createNamespaces,
    waitForIdMaps: created.has('user'),
    timeOffsets: translateTimeOffsets(linux, has, created),
    has,
    created,
  };
}

function checkUserNamespace(linux: Linux | undefined, has: Set<LinuxNamespaceType>, created: Set<LinuxNamespaceType>): void {
  const hasMappings = linux?.uidMappings !== undefined || linux?.gidMappings !== undefined;
  if (!has.has('user') && hasMappings) {
    const at = linux?.uidMappings !== undefined ? 'uidMappings' : 'gidMappings';
    throw planError(pointer('linux', at), 'user namespace mappings specified, but user namespace isn\'t enabled in the config');
  }
  if (created.has('user') && !hasMappings) {
    throw planError(
      pointer('linux', 'namespaces'),
      'user namespaces enabled, but no namespace path to join nor mappings to apply specified',
    );
  }
}

function translateTimeOffsets(
  linux: Linux | undefined,
  has: Set<LinuxNamespaceType>,
  created: Set<LinuxNamespaceType>,
): NamespacePlan['timeOffsets'] {
  const offsets = linux?.timeOffsets;
  if (offsets === undefined) return null;
  const at = pointer('linux', 'timeOffsets');
  if (!has.has('time')) {
    throw planError(at, 'time namespace offsets specified, but time namespace isn\'t enabled in the config');
  }
  if (!created.has('time')) {
    throw planError(at, 'time namespace enabled, but both namespace path and time offsets specified -- you may only provide one');
  }
  const result: { monotonic?: TimeOffset; boottime?: TimeOffset } = {};
  for (const [clock, offset] of Object.entries(offsets)) {
    if (!(CLOCKS as readonly string[]).includes(clock)) {
      throw planError(pointer('linux', 'timeOffsets', clock), `unknown clock "${clock}" (monotonic or boottime)`);
    }
    result[clock as (typeof CLOCKS)[number]] = { secs: offset.secs ?? 0, nanosecs: offset.nanosecs ?? 0 };
  }
  return Object.keys(result).length > 0 ? result : null;
}
