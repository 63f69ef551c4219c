import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * shadow's setuid helpers (Debian's uidmap package) that write a user namespace's maps
 * for an unprivileged user from the ranges root delegated in /etc/subuid and /etc/subgid.
 * Looked up on PATH, then in /usr/bin and /bin (engines call runtimes with almost no
 * environment).
 */
export function findIdMapHelper(name: 'newuidmap' | 'newgidmap', envPath: string = process.env.PATH ?? ''): string | undefined {
  const dirs = [...envPath.split(':').filter((d) => path.isAbsolute(d)), '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}
