import { OcirtError } from '../native/error';

/**
 * The versioned on-disk contract of `<root>/<id>/state.json`. STATE.md documents every
 * field; a future native fast path (start/state/kill/delete without Node) reads this
 * file, so any change to a field's meaning needs a new STATE_VERSION.
 */

export const STATE_VERSION = 1;

/** A hook as in config.json, kept for the commands that run after create. */
export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  /** Seconds. */
  timeout?: number;
}

/** The last status a command wrote; the live status is derived (src/state/status.ts). */
export type RecordStatus = 'creating' | 'created' | 'running';

export type CgroupDriver = 'none' | 'cgroupfs-v1' | 'cgroupfs-v2' | 'systemd';

export interface RecordCgroup {
  driver: CgroupDriver;
  /** Controller → absolute host directory; cgroup v2 uses the single key "unified". */
  paths: Record<string, string>;
}

export interface RecordNamespace {
  /** Namespace type as in config.json: pid, network, mount, ipc, uts, user, cgroup, time. */
  type: string;
  /** The namespace joined, when config.json gave a path. */
  path?: string;
}

export interface ContainerRecord {
  stateVersion: typeof STATE_VERSION;
  ociVersion: string;
  id: string;
  /** Absolute path of the bundle directory. */
  bundle: string;
  /** Absolute host path of the root filesystem. */
  rootfs: string;
  /** Host pid of the container's init. */
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot), as a decimal string. */
  initStartTime: string;
  /** Creation time, RFC 3339 with nanoseconds, UTC. */
  created: string;
  /** Owner printed by `state`; "" (like runc) unless rootless. */
  owner: string;
  annotations: Record<string, string>;
  status: RecordStatus;
  hooks: { poststart: Hook[]; poststop: Hook[] };
  cgroup: RecordCgroup;
  /** The namespaces config.json asked for. */
  namespaces: RecordNamespace[];
  /** True when the container has no pid namespace of its own (kill --all/delete use the cgroup). */
  sharesPidNamespace: boolean;
  rootless: boolean;
  /** Absolute path of the exec fifo (`<root>/<id>/exec.fifo`). */
  execFifo: string;
  /** The `create` process while status is `creating`: `delete` waits for it rather than racing it. */
  creator?: { pid: number; startTime: string };
  /** Name of the systemd scope unit, with the systemd cgroup driver. */
  systemdUnit?: string;
  /**
   * linux.intelRdt (or `update --l3-cache-schema/--mem-bw-schema`): resctrl directories
   * ocirt created for this container, removed by `delete`, and the group it is in.
   */
  intelRdt?: { remove: string[]; group?: string };
}

/** state.json text for a record: stateVersion first, then the record's own order. */
export function encodeRecord(record: ContainerRecord): string {
  const { stateVersion, ...rest } = record;
  return `${JSON.stringify({ stateVersion, ...rest })}\n`;
}

/**
 * Parses and checks state.json text. `file` names the file in errors. Refuses a
 * stateVersion it does not know before looking at anything else.
 */
export function decodeRecord(text: string, file: string): ContainerRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new OcirtError(`corrupt state file ${file}: ${(err as Error).message}`, { path: file });
  }
  if (!isObject(value)) throw corrupt(file, 'not a JSON object');
  const version = value.stateVersion;
  if (version !== STATE_VERSION) {
    throw new OcirtError(
      `state file ${file} has stateVersion ${JSON.stringify(version ?? null)}; this ocirt reads ` +
        `only stateVersion ${STATE_VERSION} (was the container created by another ocirt version?)`,
      { path: file },
    );
  }
  const problem = checkRecord(value);
  if (problem) throw corrupt(file, problem);
  return value as unknown as ContainerRecord;
}

function corrupt(file: string, why: string): OcirtError {
  return new OcirtError(`corrupt state file ${file}: ${why}`, { path: file });
}

const STATUSES: readonly string[] = ['creating', 'created', 'running'];
const DRIVERS: readonly string[] = ['none', 'cgroupfs-v1', 'cgroupfs-v2', 'systemd'];

/** The first problem found in a decoded record, or undefined. */
function checkRecord(r: Record<string, unknown>): string | undefined {
  for (const key of ['ociVersion', 'id', 'bundle', 'rootfs', 'initStartTime', 'created', 'owner', 'execFifo']) {
    if (typeof r[key] !== 'string') return `"${key}" must be a string`;
  }
  if (!Number.isSafeInteger(r.pid) || (r.pid as number) < 0) return '"pid" must be a non-negative integer';
  if (!STATUSES.includes(r.status as string)) return `"status" must be one of ${STATUSES.join(', ')}`;
  if (!isStringMap(r.annotations)) return '"annotations" must be an object of strings';
  for (const key of ['sharesPidNamespace', 'rootless']) {
    if (typeof r[key] !== 'boolean') return `"${key}" must be a boolean`;
  }
  const hooks = r.hooks;
  if (!isObject(hooks) || !isHookList(hooks.poststart) || !isHookList(hooks.poststop)) {
    return '"hooks" must hold "poststart" and "poststop" lists of hooks';
  }
  const cgroup = r.cgroup;
  if (!isObject(cgroup) || !DRIVERS.includes(cgroup.driver as string) || !isStringMap(cgroup.paths)) {
    return `"cgroup" must hold "driver" (${DRIVERS.join(', ')}) and "paths" (an object of strings)`;
  }
  const ns = r.namespaces;
  if (!Array.isArray(ns) || !ns.every((n) => isObject(n) && typeof n.type === 'string' && optString(n.path))) {
    return '"namespaces" must be a list of {type, path?}';
  }
  if (!optString(r.systemdUnit)) return '"systemdUnit" must be a string when present';
  const creator = r.creator;
  if (creator !== undefined && !(isObject(creator) && Number.isSafeInteger(creator.pid) && typeof creator.startTime === 'string')) {
    return '"creator" must be {pid, startTime} when present';
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringMap(v: unknown): v is Record<string, string> {
  return isObject(v) && Object.values(v).every((x) => typeof x === 'string');
}

function optString(v: unknown): boolean {
  return v === undefined || typeof v === 'string';
}

function isHookList(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.every(
      (h) =>
        isObject(h) &&
        typeof h.path === 'string' &&
        (h.args === undefined || isStringList(h.args)) &&
        (h.env === undefined || isStringList(h.env)) &&
        (h.timeout === undefined || typeof h.timeout === 'number'),
    )
  );
}

function isStringList(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
