import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';
import type { Spec } from '../spec/types';
import { type ConfigProblem, formatProblems, parseConfig } from '../spec/validate';

export interface LoadedBundle {
  /** Absolute bundle directory. */
  dir: string;
  spec: Spec;
  /** Absolute host path of root.path. */
  rootfs: string;
  warnings: ConfigProblem[];
}

/** Everything wrong with a bundle, for `validate` (which lists them all). */
export interface BundleReport {
  dir: string;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
  spec?: Spec;
  /** config.json as parsed, also when it is not a valid config (for further checks). */
  document?: unknown;
  rootfs?: string;
}

export function inspectBundle(bundle: string): BundleReport {
  const dir = absoluteBundleDir(bundle);
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? `${file} does not exist` : OcirtError.fromNode(`read ${file}`, err).message;
    return { dir, problems: [{ pointer: '', reason }], warnings: [] };
  }
  const result = parseConfig(text);
  const document = parseLoosely(text);
  if (!result.ok) {
    const rootPath = (document as { root?: { path?: unknown } } | undefined)?.root?.path;
    const rootfs = typeof rootPath === 'string' && rootPath !== '' ? path.resolve(dir, rootPath) : undefined;
    return { dir, problems: result.problems, warnings: [], document, rootfs };
  }
  const spec = result.spec;
  const rootfs = path.resolve(dir, spec.root?.path ?? 'rootfs');
  const problems: ConfigProblem[] = [];
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(rootfs);
  } catch {
    problems.push({ pointer: '/root/path', reason: `rootfs ${rootfs} does not exist` });
  }
  if (st && !st.isDirectory()) problems.push({ pointer: '/root/path', reason: `rootfs ${rootfs} is not a directory` });
  return { dir, problems, warnings: result.warnings, spec, document, rootfs };
}

function parseLoosely(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Loads and validates a bundle; any problem is thrown as one error listing them all. */
export function loadBundle(bundle: string): LoadedBundle {
  const r = inspectBundle(bundle);
  if (r.problems.length > 0 || !r.spec || !r.rootfs) {
    const text = formatProblems(r.problems, path.join(r.dir, 'config.json'));
    throw new OcirtError(r.problems.length === 1 ? text : `invalid bundle:\n${text}`, { path: path.join(r.dir, 'config.json'), problems: r.problems });
  }
  return { dir: r.dir, spec: r.spec, rootfs: r.rootfs, warnings: r.warnings };
}

function absoluteBundleDir(bundle: string): string {
  if (path.isAbsolute(bundle)) return path.normalize(bundle);
  let cwd: string;
  try {
    cwd = process.cwd();
  } catch (err) {
    throw OcirtError.fromNode(`bundle ${bundle}: the current directory is gone`, err);
  }
  return path.resolve(cwd, bundle);
}
