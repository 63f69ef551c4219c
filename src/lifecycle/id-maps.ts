import * as fs from 'node:fs';
import { OcirtError } from '../native/error';
import type { LinuxIdMapping, Spec } from '../spec/types';

/**
 * Writes the user namespace's id maps from outside, as its parent: gid_map needs
 * setgroups "deny" only when an unprivileged writer maps its own gid (rootless).
 */
export function writeIdMaps(pid: number, spec: Spec): void {
  write(`/proc/${pid}/uid_map`, spec.linux?.uidMappings ?? []);
  write(`/proc/${pid}/gid_map`, spec.linux?.gidMappings ?? []);
}

function write(file: string, maps: LinuxIdMapping[]): void {
  const text = maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
  try {
    fs.writeFileSync(file, text);
  } catch (err) {
    throw OcirtError.fromNode(`write ${file}`, err);
  }
}
