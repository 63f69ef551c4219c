import { planError, pointer } from './plan-error';

/** PATH used when process.env has none (the usual default of shells and of crun). */
export const DEFAULT_SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Environment {
  /** The environment for execve: duplicates removed, the last value of a name kept. */
  env: string[];
  /** PATH to look up args[0] with. */
  searchPath: string;
}

/**
 * process.env as runc's prepareEnv treats it: every entry must be NAME=VALUE with a
 * non-empty name and no NUL; of repeated names only the last entry is kept, at the
 * place of that last entry (Go's os/exec dedupEnv). The PATH runc searches with is that
 * last PATH (it calls os.Setenv before exec.LookPath).
 *
 * Not mirrored: runc adds HOME from the container's /etc/passwd when HOME is missing or
 * empty (that needs the container's files, after pivot_root). Without PATH, runc's
 * LookPath finds nothing (its init has no PATH of its own); ocirt searches
 * DEFAULT_SEARCH_PATH instead.
 */
export function translateEnvironment(env: readonly string[] | undefined): Environment {
  const entries = env ?? [];
  const seen = new Set<string>();
  const kept: string[] = [];
  let searchPath: string | undefined;
  for (let i = entries.length - 1; i >= 0; i--) {
    const kv = entries[i];
    const eq = kv.indexOf('=');
    const at = pointer('process', 'env', i);
    if (eq === -1) throw planError(at, 'invalid environment variable: missing \'=\'');
    if (eq === 0) throw planError(at, 'invalid environment variable: name cannot be empty');
    const name = kv.slice(0, eq);
    if (seen.has(name)) continue;
    seen.add(name);
    if (kv.includes('\0')) throw planError(at, `invalid environment variable ${JSON.stringify(name)}: contains nul byte`);
    if (name === 'PATH') searchPath = kv.slice(eq + 1);
    kept.push(kv);
  }
  kept.reverse();
  return { env: kept, searchPath: searchPath ?? DEFAULT_SEARCH_PATH };
}
