import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXEC_FIFO } from './layout';
import { isSameProcess } from './liveness';
import { ContainerRecord } from './record';

export type LiveStatus = 'creating' | 'created' | 'running' | 'stopped' | 'paused';

/**
 * The container's status now, derived from the record and the system, in this order:
 * - stopped: the init is gone, a zombie, or its pid now belongs to another process
 *   (pid + start time);
 * - creating: the record says so and the init is alive;
 * - paused: the freezer of the container's cgroup is frozen (checked before `created`,
 *   as runc does);
 * - created: the record says so and exec.fifo is still in the state directory;
 * - running: otherwise.
 */
export function liveStatus(record: ContainerRecord, stateDir: string): LiveStatus {
  // A create that has not yet learnt its init's pid (or was killed before it did).
  if (record.status === 'creating' && record.pid === 0) return 'creating';
  if (!isSameProcess(record.pid, record.initStartTime)) return 'stopped';
  if (record.status === 'creating') return 'creating';
  if (isFrozen(record.cgroup.paths)) return 'paused';
  if (record.status === 'created' && fs.existsSync(path.join(stateDir, EXEC_FIFO))) return 'created';
  return 'running';
}

/**
 * Whether the cgroup freezer holds the container. With a v1 freezer hierarchy (a v1 or
 * hybrid host: the v1 freezer is what `pause` uses) `freezer.state` is FROZEN and the
 * cgroup froze itself (not only through an ancestor, when the kernel says); otherwise
 * v2 `cgroup.freeze` is 1. Missing or unreadable files mean not frozen.
 */
export function isFrozen(paths: Record<string, string>): boolean {
  const freezer = Object.entries(paths).find(([key]) => key !== 'unified' && key.split(',').includes('freezer'))?.[1];
  if (freezer) {
    if (readTrimmed(path.join(freezer, 'freezer.state')) !== 'FROZEN') return false;
    return readTrimmed(path.join(freezer, 'freezer.self_freezing')) !== '0';
  }
  if (paths.unified) return readTrimmed(path.join(paths.unified, 'cgroup.freeze')) === '1';
  return false;
}

function readTrimmed(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** What `ocirt state` prints, in runc 1.1's key order (list.go containerState). */
export interface StateOutput {
  ociVersion: string;
  id: string;
  /** 0 once stopped. */
  pid: number;
  status: LiveStatus;
  bundle: string;
  rootfs: string;
  created: string;
  /** Present only when not empty (`omitempty` in runc). */
  annotations?: Record<string, string>;
  owner: string;
}

export function stateOutput(record: ContainerRecord, status: LiveStatus): StateOutput {
  const out: StateOutput = {
    ociVersion: record.ociVersion,
    id: record.id,
    pid: status === 'stopped' ? 0 : record.pid,
    status,
    bundle: record.bundle,
    rootfs: record.rootfs,
    created: record.created,
  } as StateOutput;
  if (Object.keys(record.annotations).length > 0) out.annotations = record.annotations;
  out.owner = record.owner;
  return out;
}

/** runc prints the state with json.MarshalIndent(…, "", "  ") and no trailing newline. */
export function formatStateOutput(out: StateOutput): string {
  return JSON.stringify(out, null, 2);
}
