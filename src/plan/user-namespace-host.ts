import * as fs from 'node:fs';
import type { LinuxIdMapping } from '../spec/types';

/** The id maps of a user namespace, as the runtime sees them (its own namespace's ids as hostID). */
export interface UserNamespaceMaps {
  uidMappings: LinuxIdMapping[];
  gidMappings: LinuxIdMapping[];
}

/**
 * The maps of the user namespace at `nsPath` (a /proc/<pid>/ns/user link or a bind mount
 * of one), read from /proc/<pid>/{uid,gid}_map of a process in it: the pid the path
 * names when it names one, else the first process found in that namespace. undefined
 * when no process is in it or nothing can be read (the init's setns reports a bad path).
 */
export function readUserNamespaceMaps(nsPath: string, procRoot = '/proc'): UserNamespaceMaps | undefined {
  const target = statOrNull(nsPath);
  if (!target) return undefined;
  const named = /^\/proc\/(\d+)\/(?:task\/\d+\/)?ns\/user$/.exec(nsPath)?.[1];
  const pids = named ? [named] : [];
  const tryPid = (pid: string): UserNamespaceMaps | undefined => {
    const st = statOrNull(`${procRoot}/${pid}/ns/user`);
    if (!st || st.dev !== target.dev || st.ino !== target.ino) return undefined;
    const uid = readOrNull(`${procRoot}/${pid}/uid_map`);
    const gid = readOrNull(`${procRoot}/${pid}/gid_map`);
    return uid === null || gid === null ? undefined : { uidMappings: parseIdMap(uid), gidMappings: parseIdMap(gid) };
  };
  for (const pid of pids) {
    const maps = tryPid(pid);
    if (maps) return maps;
  }
  let entries: string[];
  try {
    entries = fs.readdirSync(procRoot);
  } catch {
    return undefined;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid) || pid === named) continue;
    const maps = tryPid(pid);
    if (maps) return maps;
  }
  return undefined;
}

/** "<inside> <outside> <count>" lines, as /proc/<pid>/uid_map shows them. */
export function parseIdMap(text: string): LinuxIdMapping[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [containerID, hostID, size] = l.split(/\s+/).map(Number);
      return { containerID, hostID, size };
    });
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

function readOrNull(p: string): string | null {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return null;
  }
}
