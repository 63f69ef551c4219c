// The runtimes compared: ocirt (this checkout), runc, and crun where it can run.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { which } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const top = path.resolve(here, '..');
export const OCIRT = path.join(top, 'bin/ocirt');

/** True when /sys/fs/cgroup/unified is a cgroup2 mount beside v1 controllers. */
function hybridCgroups() {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => {
    const [pre, post] = l.split(' - ');
    return post?.startsWith('cgroup2 ') && pre.split(' ')[4] === '/sys/fs/cgroup/unified';
  });
}

/**
 * crun as a runtime: on a hybrid host, through a wrapper compiled here into `tmp` that
 * gives it a private mount namespace without the cgroup2 mount (crun 1.8 refuses hybrid
 * hosts). { runtime } or { reason } when crun cannot be benched.
 */
function crunRuntime(tmp) {
  const crun = which('crun');
  if (!crun) return { reason: 'crun is not installed (apt-get install crun)' };
  if (!hybridCgroups()) return { runtime: { name: 'crun', argv: [crun] } };
  const cc = which('cc') ?? which('gcc');
  if (cc) {
    const wrapper = path.join(tmp, 'crun-private-mounts');
    try {
      execFileSync(cc, ['-O2', '-o', wrapper, path.join(here, 'crun-private-mounts.c')], { stdio: 'pipe' });
      return {
        runtime: {
          name: 'crun',
          argv: [wrapper, crun],
          // What the wrapper itself costs a call: the same, exec'ing /bin/true.
          wrapperAlone: [wrapper, '/bin/true'],
          note: 'through a private mount namespace without /sys/fs/cgroup/unified',
        },
      };
    } catch (err) {
      return { reason: `cannot compile bench/crun-private-mounts.c: ${String(err.stderr ?? err.message).trim()}` };
    }
  }
  const unshare = which('unshare');
  if (!unshare) return { reason: 'this host has hybrid cgroups and neither cc nor unshare to hide them from crun' };
  // Slower (two more execs a call) but needs no compiler.
  return {
    runtime: {
      name: 'crun',
      argv: [unshare, '-m', '/bin/sh', '-c', 'umount -l /sys/fs/cgroup/unified && exec "$0" "$@"', crun],
      wrapperAlone: [unshare, '-m', '/bin/sh', '-c', 'umount -l /sys/fs/cgroup/unified && exec "$0" "$@"', '/bin/true'],
      note: 'through unshare -m and sh (no C compiler for the wrapper): slower',
    },
  };
}

/** Every runtime that can be benched here, and why any could not. */
export function findRuntimes(tmp) {
  const list = [{ name: 'ocirt', argv: [OCIRT] }];
  const skipped = [];
  const runc = which('runc');
  if (runc) list.push({ name: 'runc', argv: [runc] });
  else skipped.push('runc: not installed (apt-get install runc)');
  const crun = crunRuntime(tmp);
  if (crun.runtime) list.push(crun.runtime);
  else skipped.push(`crun: ${crun.reason}`);
  return { list, skipped };
}

export function runtimeVersion(rt) {
  try {
    return execFileSync(rt.argv[0], [...rt.argv.slice(1), '--version'], { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return `${rt.name} (version unknown)`;
  }
}
