import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Whether the caller can make (or already owns) a cgroup directory and move its
 * processes into it: the directory is writable, or its deepest existing ancestor is.
 * On cgroup v2 the kernel also wants cgroup.procs of the common ancestor of the
 * source and destination cgroups writable (`from`: the caller's own cgroup
 * directory), which holds when the caller already lives in a delegated subtree.
 */
export function canUseCgroupDir(dir: string, from?: string): boolean {
  if (!canCreateOrJoin(dir)) return false;
  if (from === undefined) return true;
  return writable(path.join(commonAncestor(from, dir), 'cgroup.procs'));
}

function canCreateOrJoin(dir: string): boolean {
  if (exists(dir)) return writable(dir) && writable(path.join(dir, 'cgroup.procs'));
  let d = path.dirname(dir);
  while (!exists(d) && path.dirname(d) !== d) d = path.dirname(d);
  return writable(d);
}

export function commonAncestor(a: string, b: string): string {
  const pa = path.resolve(a).split('/');
  const pb = path.resolve(b).split('/');
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return pa.slice(0, i).join('/') || '/';
}

function exists(p: string): boolean {
  return fs.existsSync(p);
}

function writable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
