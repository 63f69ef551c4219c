import { GLOBAL_OPTIONS } from './command-def';
import type { CgroupManager } from '../cgroups/select-driver';
import { UsageError } from './args';

export interface Globals {
  root?: string;
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  systemdCgroup: boolean;
  cgroupManager?: CgroupManager;
  rootless?: string;
  /** --criu: the CRIU binary for checkpoint/restore. */
  criu?: string;
  help: boolean;
  version: boolean;
}

/**
 * Global flags come before the verb. Unknown ones are skipped (engines pass flags of
 * newer runc versions); a value is taken for them only in the --flag=value form.
 */
export function parseGlobals(argv: string[]): { globals: Globals; verb?: string; rest: string[] } {
  const g: Globals = { logFormat: 'text', debug: false, systemdCgroup: false, help: false, version: false };
  let i = 0;
  while (i < argv.length) {
    const token = argv[i];
    if (!token.startsWith('-') || token === '-') break;
    i++;
    if (token === '--') break;
    if (token === '-h' || token === '--help') {
      g.help = true;
      continue;
    }
    if (token === '-v' || token === '-V' || token === '--version') {
      g.version = true;
      continue;
    }
    const eq = token.indexOf('=');
    const name = (eq > 0 ? token.slice(0, eq) : token).replace(/^--?/, '');
    const def = GLOBAL_OPTIONS.find((o) => o.name === name);
    if (!def) continue;
    let value: string | boolean = true;
    if (def.value) {
      if (eq > 0) value = token.slice(eq + 1);
      else if (i < argv.length) value = argv[i++];
      else throw new UsageError(`option --${name} needs a value (${def.value})`);
    } else if (eq > 0) {
      value = token.slice(eq + 1) !== 'false';
    }
    switch (name) {
      case 'root': g.root = String(value); break;
      case 'criu': g.criu = String(value); break;
      case 'log': g.log = String(value); break;
      case 'log-format':
        if (value !== 'text' && value !== 'json') throw new UsageError(`--log-format must be text or json, not ${JSON.stringify(value)}`);
        g.logFormat = value;
        break;
      case 'debug': g.debug = value === true; break;
      case 'systemd-cgroup': g.systemdCgroup = value === true; break;
      case 'cgroup-manager':
        if (value !== 'cgroupfs' && value !== 'systemd' && value !== 'disabled') {
          throw new UsageError(`--cgroup-manager must be cgroupfs, systemd or disabled, not ${JSON.stringify(value)}`);
        }
        g.cgroupManager = value;
        break;
      case 'rootless': g.rootless = String(value); break;
    }
  }
  return { globals: g, verb: argv[i], rest: argv.slice(i + 1) };
}

/** The cgroup driver the flags ask for: --systemd-cgroup is --cgroup-manager systemd (as runc). */
export function cgroupManagerOf(g: Globals): CgroupManager {
  if (g.systemdCgroup) return 'systemd';
  return g.cgroupManager ?? 'cgroupfs';
}
