import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';

/** Where CRIU is looked for besides PATH: Debian installs it in /usr/sbin, which an engine's PATH may lack. */
const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/**
 * The CRIU binary checkpoint and restore run: `--criu PATH` (a path, or a name looked
 * up like the default), else `criu` in PATH or an sbin directory. Found at run time,
 * so ocirt works without CRIU for everything else.
 */
export function locateCriu(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const name = given ?? 'criu';
  if (name.includes('/')) {
    if (isExecutable(name)) return path.resolve(name);
    throw missing(`--criu ${name} is not an executable file`);
  }
  const dirs = [...(env.PATH ?? '').split(':').filter((d) => d.startsWith('/')), ...SBIN_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  throw missing(`${name} not found in PATH or ${SBIN_DIRS.join(', ')}`);
}

function missing(what: string): OcirtError {
  return new OcirtError(`${what}: checkpoint and restore need CRIU (Debian: apt-get install criu; or give --criu PATH)`);
}

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
