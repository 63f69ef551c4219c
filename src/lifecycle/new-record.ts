import * as path from 'node:path';
import type { CgroupDriver } from '../cgroups/driver';
import type { Spec } from '../spec/types';
import { EXEC_FIFO } from '../state/layout';
import { readStartTime } from '../state/liveness';
import type { ContainerRecord } from '../state/record';
import { nowRfc3339Nano } from '../util/rfc3339';
import type { HookState } from './hooks';

/** The runtime-spec version ocirt implements, written into every record. */
export const OCI_VERSION = '1.3.0';

/**
 * The first record of a container `create` or `restore` is making: status `creating`,
 * no init yet, this process as its creator (src/state/STATE.md).
 */
export function newContainerRecord(opts: {
  id: string;
  bundle: { dir: string; rootfs: string };
  spec: Spec;
  stateDir: string;
  cgroups: CgroupDriver;
  owner: string;
  rootless: boolean;
}): ContainerRecord {
  const { spec, cgroups } = opts;
  return {
    stateVersion: 1,
    ociVersion: OCI_VERSION,
    id: opts.id,
    bundle: opts.bundle.dir,
    rootfs: opts.bundle.rootfs,
    pid: 0,
    initStartTime: '',
    created: nowRfc3339Nano(),
    owner: opts.owner,
    annotations: spec.annotations ?? {},
    status: 'creating',
    hooks: { poststart: spec.hooks?.poststart ?? [], poststop: spec.hooks?.poststop ?? [] },
    cgroup: cgroups.record(),
    ...(cgroups.systemdUnit ? { systemdUnit: cgroups.systemdUnit } : {}),
    namespaces: (spec.linux?.namespaces ?? []).map((n) => (n.path ? { type: n.type, path: n.path } : { type: n.type })),
    sharesPidNamespace: !(spec.linux?.namespaces ?? []).some((n) => n.type === 'pid' && !n.path),
    rootless: opts.rootless,
    execFifo: path.join(opts.stateDir, EXEC_FIFO),
    creator: { pid: process.pid, startTime: readStartTime(process.pid) ?? '' },
  };
}

/** The state a hook gets on stdin, for the record as it is now. */
export function hookStateOf(record: ContainerRecord, status: string): HookState {
  return {
    ociVersion: record.ociVersion,
    id: record.id,
    status,
    pid: record.pid,
    bundle: record.bundle,
    annotations: record.annotations,
  };
}
