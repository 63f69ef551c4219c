import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';
import { compilePlan } from '../plan/from-spec';
import { gatherHostFacts } from '../plan/host-facts';
import type { InitPlan } from '../plan/init-plan';
import type { CgroupLayout } from '../plan/plan-options';
import { nativeSeccompCompiler } from '../plan/seccomp-host';
import type { Spec } from '../spec/types';

/**
 * The plan of a container (as its create compiled it, or as restore's init would):
 * checkpoint and restore read its mounts and devices, nothing runs from it.
 */
export function containerPlan(spec: Spec, id: string, bundle: string, stateDir: string, layout: CgroupLayout): InitPlan {
  return compilePlan(spec, {
    containerId: id,
    bundle,
    execFifo: path.join(stateDir, 'exec.fifo'),
    noPivot: false,
    preserveFds: 0,
    host: gatherHostFacts(spec, bundle, layout),
    seccompCompiler: nativeSeccompCompiler(),
  });
}

/** Opens a directory for CRIU, which reaches it through /proc/<ocirt>/fd/<fd>. */
export function openDirectory(dir: string, what: string): number {
  try {
    return fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (err) {
    throw OcirtError.fromNode(`open ${what} ${dir}`, err);
  }
}

export function makeDirectory(dir: string, what: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw OcirtError.fromNode(`make ${what} ${dir}`, err);
  }
}

/**
 * CRIU's own words on a failure: the last "Error" line of its log (the log can be long;
 * the one line goes into the message, the file is named for the rest).
 */
export function criuLogError(dir: string, file: string): string {
  const log = path.join(dir, file);
  let text: string;
  try {
    text = fs.readFileSync(log, 'utf8');
  } catch {
    return `(no log at ${log})`;
  }
  const errors = text.split('\n').filter((l) => /Error/.test(l));
  const last = errors.at(-1)?.replace(/^\(\d+\.\d+\)\s*/, '').trim();
  return last ? `${last} (log: ${log})` : `(log: ${log})`;
}

export function closeFd(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}
