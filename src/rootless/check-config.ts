import { OcirtError } from '../native/error';
import { translateNamespaces } from '../plan/namespaces';
import { pointer } from '../plan/plan-error';
import { RLIMIT_NUMBERS, isRlimitName } from '../spec/rlimits';
import type { LinuxIdMapping, Spec } from '../spec/types';
import { hardLimits, ownOomScoreAdj } from './host-limits';
import { findIdMapHelper } from './id-map-helpers';
import type { RootlessMode } from './mode';
import { type IdRange, readSubordinateRanges, SUBGID_FILE, SUBUID_FILE, withinRanges } from './subordinate-ids';

/** How the runtime writes one map of a new user namespace (src/lifecycle/id-maps.ts). */
export type IdMapMethod =
  | { via: 'write'; denySetgroups?: boolean }
  | { via: 'helper'; helper: string };

export interface IdMapMethods {
  uid: IdMapMethod;
  gid: IdMapMethod;
}

/** Root writes both maps itself. */
export const PRIVILEGED_ID_MAPS: IdMapMethods = { uid: { via: 'write' }, gid: { via: 'write' } };

/** What the checks need to know about the caller and the host, gathered once. */
export interface RootlessFacts {
  subuid: IdRange[];
  subgid: IdRange[];
  newuidmap?: string;
  newgidmap?: string;
  /** RLIMIT_* number → the caller's hard limit (undefined: unlimited). */
  hardLimits: Map<number, bigint | undefined>;
  oomScoreAdj: number;
}

export function gatherRootlessFacts(mode: RootlessMode): RootlessFacts {
  const user = { name: mode.userName, id: mode.uid };
  return {
    subuid: readSubordinateRanges(SUBUID_FILE, user),
    subgid: readSubordinateRanges(SUBGID_FILE, { name: mode.userName, id: mode.uid }),
    newuidmap: findIdMapHelper('newuidmap'),
    newgidmap: findIdMapHelper('newgidmap'),
    hardLimits: hardLimits(),
    oomScoreAdj: ownOomScoreAdj(),
  };
}

/**
 * What an unprivileged caller's config may ask for, checked before anything is made:
 * only root could allow more (a user namespace is required; host ids must be the
 * caller's own or delegated in /etc/subuid and /etc/subgid; no limit above the
 * caller's own). Each refusal names the JSON pointer and what to configure. Returns
 * how the maps are to be written: the caller's single own id directly (the gid map
 * after setgroups is denied, as the kernel requires), anything more through
 * newuidmap/newgidmap.
 */
export function checkRootlessConfig(spec: Spec, mode: RootlessMode, facts: RootlessFacts): IdMapMethods {
  const ns = translateNamespaces(spec.linux);
  const who = `ocirt runs as uid ${mode.uid} (${mode.userName}), not root`;
  if (!ns.has.has('user')) {
    throw new OcirtError(
      `${pointer('linux', 'namespaces')}: ${who}: the container needs a user namespace: add {"type": "user"} with /linux/uidMappings and /linux/gidMappings (\`ocirt spec --rootless\` writes them)`,
      { stage: 'rootless' },
    );
  }
  checkLimits(spec, mode, facts);
  if (!ns.created.has('user')) return PRIVILEGED_ID_MAPS;

  const uidMaps = spec.linux?.uidMappings ?? [];
  const gidMaps = spec.linux?.gidMappings ?? [];
  const methods: IdMapMethods = {
    uid: mapMethod('uid', uidMaps, mode.uid, facts.subuid, facts.newuidmap, mode),
    gid: mapMethod('gid', gidMaps, mode.gid, facts.subgid, facts.newgidmap, mode),
  };
  checkMapped(spec, uidMaps, gidMaps, methods);
  return methods;
}

function mapMethod(
  kind: 'uid' | 'gid',
  maps: readonly LinuxIdMapping[],
  ownId: number,
  delegated: IdRange[],
  helper: string | undefined,
  mode: RootlessMode,
): IdMapMethod {
  const field = kind === 'uid' ? 'uidMappings' : 'gidMappings';
  const file = kind === 'uid' ? '/etc/subuid' : '/etc/subgid';
  if (maps.length === 1 && maps[0].hostID === ownId && maps[0].size === 1) {
    return kind === 'gid' ? { via: 'write', denySetgroups: true } : { via: 'write' };
  }
  maps.forEach((m, i) => {
    if (m.hostID === ownId && m.size === 1) return;
    if (withinRanges(m.hostID, m.size, delegated)) return;
    const have = delegated.length === 0 ? 'none' : delegated.map((r) => `${r.start}..${r.start + r.count - 1}`).join(', ');
    throw new OcirtError(
      `${pointer('linux', field, i)}: host ${kind}s ${span(m.hostID, m.size)} are not yours to map: ${mode.userName} (${kind} ${ownId}) may map its own ${kind} and the ranges ${file} gives it (${have}); root must add them to ${file}, e.g. "${mode.userName}:${m.hostID}:${m.size}"`,
      { stage: 'rootless' },
    );
  });
  if (!helper) {
    const tool = kind === 'uid' ? 'newuidmap' : 'newgidmap';
    throw new OcirtError(
      `${pointer('linux', field)}: mapping more than your own ${kind} (${ownId}) needs ${tool}, which was not found: install it (Debian's uidmap package) or map only ${kind} ${ownId}`,
      { stage: 'rootless' },
    );
  }
  return { via: 'helper', helper };
}

function checkMapped(spec: Spec, uidMaps: readonly LinuxIdMapping[], gidMaps: readonly LinuxIdMapping[], methods: IdMapMethods): void {
  const user = spec.process?.user;
  if (user) {
    if (!isMapped(user.uid, uidMaps)) throw unmapped(pointer('process', 'user', 'uid'), 'uid', user.uid, uidMaps);
    if (!isMapped(user.gid, gidMaps)) throw unmapped(pointer('process', 'user', 'gid'), 'gid', user.gid, gidMaps);
    const extra = user.additionalGids ?? [];
    if (extra.length > 0 && methods.gid.via === 'write' && methods.gid.denySetgroups) {
      throw new OcirtError(
        `${pointer('process', 'user', 'additionalGids')}: setgroups(2) is denied in a user namespace whose only gid mapping is your own gid; to set additional groups, map subordinate gids from /etc/subgid in /linux/gidMappings (written with newgidmap), or drop additionalGids`,
        { stage: 'rootless' },
      );
    }
    extra.forEach((g, i) => {
      if (!isMapped(g, gidMaps)) throw unmapped(pointer('process', 'user', 'additionalGids', i), 'gid', g, gidMaps);
    });
  }
  (spec.mounts ?? []).forEach((m, i) => {
    (m.options ?? []).forEach((o, j) => {
      const match = /^(uid|gid)=(\d+)$/.exec(o);
      if (!match) return;
      const kind = match[1] as 'uid' | 'gid';
      const id = Number(match[2]);
      if (!isMapped(id, kind === 'uid' ? uidMaps : gidMaps)) {
        throw new OcirtError(
          `${pointer('mounts', i, 'options', j)}: ${o}: ${kind} ${id} is not mapped in the user namespace; map it in /linux/${kind}Mappings or drop the option (\`ocirt spec --rootless\` drops it)`,
          { stage: 'rootless' },
        );
      }
    });
  });
}

function checkLimits(spec: Spec, mode: RootlessMode, facts: RootlessFacts): void {
  (spec.process?.rlimits ?? []).forEach((rl, i) => {
    if (!isRlimitName(rl.type)) return; // the plan compiler reports it
    const own = facts.hardLimits.get(RLIMIT_NUMBERS[rl.type]);
    if (own === undefined || !Number.isFinite(rl.hard) || rl.hard < 0) return;
    if (BigInt(Math.floor(rl.hard)) > own) {
      throw new OcirtError(
        `${pointer('process', 'rlimits', i, 'hard')}: ${rl.type} hard limit ${rl.hard} is above ${mode.userName}'s own (${own}); only root can raise it: lower it in the config (podman: --ulimit) or have root raise the user's limit (limits.conf)`,
        { stage: 'rootless' },
      );
    }
  });
  const adj = spec.process?.oomScoreAdj;
  if (adj !== undefined && adj < facts.oomScoreAdj) {
    throw new OcirtError(
      `${pointer('process', 'oomScoreAdj')}: ${adj} is below ${mode.userName}'s own oom_score_adj (${facts.oomScoreAdj}); only root can lower it: use ${facts.oomScoreAdj} or more`,
      { stage: 'rootless' },
    );
  }
}

function isMapped(id: number, maps: readonly LinuxIdMapping[]): boolean {
  return maps.some((m) => id >= m.containerID && id < m.containerID + m.size);
}

function unmapped(at: string, kind: string, id: number, maps: readonly LinuxIdMapping[]): OcirtError {
  const mapped = maps.map((m) => span(m.containerID, m.size)).join(', ') || 'none';
  return new OcirtError(`${at}: ${kind} ${id} is not mapped in the user namespace (container ${kind}s mapped: ${mapped}); add it to /linux/${kind}Mappings`, {
    stage: 'rootless',
  });
}

function span(start: number, size: number): string {
  return size <= 1 ? String(start) : `${start}..${start + size - 1}`;
}
