import type { LinuxIdMapping, Spec } from '../spec/types';
import { planError, pointer } from './plan-error';
import type { UserNamespaceMaps } from './user-namespace-host';

/**
 * A user namespace joined by path, where the config has no maps: the ids (in that
 * namespace) the init takes right after joining. The runtime's own ids are not mapped
 * there, so whatever the init made would have no owner (mkdir fails with EOVERFLOW). It
 * becomes the namespace's root, as runc does, or the process's own ids where root is not
 * mapped. With the namespace's maps known, process.user ids it does not map are refused
 * here with their pointer, not at setresuid. undefined when no user namespace is joined.
 */
export function joinedUserNamespaceIds(spec: Spec, maps: UserNamespaceMaps | undefined): { uid: number; gid: number } | undefined {
  const joined = spec.linux?.namespaces?.find((n) => n.type === 'user' && n.path);
  if (!joined) return undefined;
  if (!maps) return { uid: 0, gid: 0 };
  const user = spec.process?.user ?? { uid: 0, gid: 0 };
  const where = `in the user namespace ${joined.path}`;
  if (!maps.uidMappings.some((m) => contains(m, user.uid))) {
    throw planError(pointer('process', 'user', 'uid'), `uid ${user.uid} is not mapped ${where} (uid_map: ${describe(maps.uidMappings)})`);
  }
  const gids: Array<[number, string]> = [[user.gid, pointer('process', 'user', 'gid')]];
  (user.additionalGids ?? []).forEach((g, i) => gids.push([g, pointer('process', 'user', 'additionalGids', i)]));
  for (const [gid, at] of gids) {
    if (!maps.gidMappings.some((m) => contains(m, gid))) {
      throw planError(at, `gid ${gid} is not mapped ${where} (gid_map: ${describe(maps.gidMappings)})`);
    }
  }
  return {
    uid: maps.uidMappings.some((m) => contains(m, 0)) ? 0 : user.uid,
    gid: maps.gidMappings.some((m) => contains(m, 0)) ? 0 : user.gid,
  };
}

function contains(m: LinuxIdMapping, id: number): boolean {
  return id >= m.containerID && id - m.containerID < m.size;
}

function describe(maps: LinuxIdMapping[]): string {
  return maps.length === 0 ? 'empty' : maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}`).join(', ');
}
