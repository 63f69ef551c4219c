import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { OcirtError } from '../native/error';
import { type IdMapMethod, type IdMapMethods, PRIVILEGED_ID_MAPS } from '../rootless/check-config';
import type { LinuxIdMapping, Spec } from '../spec/types';

/**
 * Writes the user namespace's id maps from outside, as its parent (the init waits,
 * dumpable, until they are written). Root writes them itself; an unprivileged caller
 * writes its single own id itself (setgroups "deny" first for the gid map, as the
 * kernel requires) and anything more through newuidmap/newgidmap, as decided by
 * checkRootlessConfig.
 */
export function writeIdMaps(pid: number, spec: Spec, methods: IdMapMethods = PRIVILEGED_ID_MAPS): void {
  writeMap(pid, 'uid', spec.linux?.uidMappings ?? [], methods.uid);
  writeMap(pid, 'gid', spec.linux?.gidMappings ?? [], methods.gid);
}

function writeMap(pid: number, kind: 'uid' | 'gid', maps: LinuxIdMapping[], method: IdMapMethod): void {
  if (method.via === 'helper') {
    runHelper(method.helper, pid, kind, maps);
    return;
  }
  if (method.denySetgroups) write(`/proc/${pid}/setgroups`, 'deny');
  write(`/proc/${pid}/${kind}_map`, maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join(''));
}

function write(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (err) {
    throw OcirtError.fromNode(`write ${file}`, err);
  }
}

function runHelper(helper: string, pid: number, kind: 'uid' | 'gid', maps: LinuxIdMapping[]): void {
  const args = [String(pid), ...maps.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
  const r = spawnSync(helper, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' } });
  if (r.error) throw OcirtError.fromNode(`run ${helper}`, r.error);
  if (r.status === 0) return;
  const said = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').filter(Boolean).pop() ?? `exit status ${r.status}`;
  const file = kind === 'uid' ? '/etc/subuid' : '/etc/subgid';
  throw new OcirtError(
    `${helper} ${args.join(' ')}: ${said}: check that ${file} gives this user the host ${kind}s of /linux/${kind}Mappings`,
    { stage: 'namespaces' },
  );
}
