import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SEARCH_PATH, translateEnvironment } from '../plan/environment';
import { type BundleReport, inspectBundle } from './bundle';

/**
 * `validate`: everything `create` would refuse, found without creating anything:
 * schema, semantics, the rootfs, and the process executable inside the rootfs.
 */
export function validateBundle(bundle: string): BundleReport {
  const report = inspectBundle(bundle);
  const { rootfs } = report;
  // Checked even when the config has other problems, so that one run lists them all
  // (from the document as written then; from the spec, keys in the spec's case, if valid).
  const proc = ((report.spec ?? report.document) as { process?: { args?: unknown; env?: unknown; cwd?: unknown } } | undefined)?.process;
  const name = Array.isArray(proc?.args) ? proc.args[0] : undefined;
  if (!rootfs || typeof name !== 'string' || name === '' || !isDirectory(rootfs)) return report;
  const env = Array.isArray(proc?.env) ? proc.env.filter((e): e is string => typeof e === 'string') : [];
  const cwd = typeof proc?.cwd === 'string' ? proc.cwd : '/';
  const search = name.includes('/') ? [name.startsWith('/') ? name : path.posix.join(cwd, name)] : searchPathOf(env).split(':').map((d) => path.posix.join(d || '.', name));
  const found = search.some((p) => isExecutableInRoot(rootfs, p));
  if (!found) {
    const reason = name.includes('/') ? `${name} does not exist in the rootfs or is not executable` : `executable file ${JSON.stringify(name)} not found in $PATH of the rootfs`;
    report.problems.push({ pointer: '/process/args/0', reason });
  }
  return report;
}

function searchPathOf(env: string[]): string {
  try {
    return translateEnvironment(env).searchPath;
  } catch {
    return DEFAULT_SEARCH_PATH; // a malformed env is reported by the config checks
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Resolves p inside root the way the container will see it (symlinks clamped to root). */
export function resolveInRoot(root: string, p: string, depth = 0): string | null {
  if (depth > 40) return null;
  const parts = p.split('/').filter((s) => s && s !== '.');
  let current = '/';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === '..') {
      current = path.posix.dirname(current);
      continue;
    }
    const next = path.posix.join(current, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(root, next));
    } catch {
      return null;
    }
    if (st.isSymbolicLink()) {
      const target = fs.readlinkSync(path.join(root, next));
      const base = target.startsWith('/') ? target : path.posix.join(current, target);
      const resolved = resolveInRoot(root, base, depth + 1);
      if (resolved === null) return null;
      current = resolved;
    } else {
      current = next;
    }
  }
  return current;
}

function isExecutableInRoot(root: string, p: string): boolean {
  const resolved = resolveInRoot(root, p);
  if (resolved === null) return false;
  try {
    const st = fs.statSync(path.join(root, resolved));
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
