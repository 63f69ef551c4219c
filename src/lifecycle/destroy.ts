import * as fs from 'node:fs';
import { cgroupPids } from '../cgroups/cgroupfs';
import { openCgroupDriver } from '../cgroups/select-driver';
import { readStartTime } from '../state/liveness';
import { isOcirtError } from '../native/error';
import type { ContainerRecord, RecordCgroup } from '../state/record';
import { removeIntelRdt } from './intel-rdt';
import { detachMountsUnder } from './leftover-mounts';
import { signalIfSame, waitGone } from './signal-process';

const SIGKILL = 9;

/**
 * Tears down what a container holds on the host: its processes (SIGKILL), then its
 * cgroups. The state directory is removed by the caller, after poststop hooks.
 */
export function destroyContainer(record: ContainerRecord, opts: { killInit: boolean; warn?: (message: string) => void }): void {
  if (record.pid > 0 && record.initStartTime && opts.killInit) {
    if (signalIfSame(record.pid, record.initStartTime, SIGKILL)) waitGone(record.pid, record.initStartTime);
  }
  // Without its own pid namespace the container's other processes outlive the init.
  if (record.sharesPidNamespace) killCgroupProcesses(record.cgroup.paths);
  // With the sub-cgroups a container may have made; also after an OOM kill or a pause.
  removeCgroup(record.cgroup, opts.warn);
  removeIntelRdt(record.intelRdt);
  if (!record.namespaces.some((n) => n.type === 'mount')) detachMountsUnder(record.rootfs);
  fs.rmSync(record.execFifo, { force: true });
}

/**
 * A cgroup that still holds processes once the container's own are gone is shared
 * (another container was created with the same cgroupsPath: create warned): it is left
 * to the last of them, and the container is deleted all the same.
 */
function removeCgroup(cgroup: RecordCgroup, warn?: (message: string) => void): void {
  try {
    openCgroupDriver(cgroup).remove();
  } catch (err) {
    const busy = isOcirtError(err) && err.code === 'EBUSY' && cgroup.driver.startsWith('cgroupfs') ? err : undefined;
    const left = busy ? cgroupPids(cgroup.paths).length : 0;
    if (left === 0) throw err;
    warn?.(`the container's cgroup is kept: ${left} process(es) not of this container are still in it (${busy?.path ?? Object.values(cgroup.paths)[0]})`);
  }
}

function killCgroupProcesses(paths: Record<string, string>): void {
  for (let round = 0; round < 10; round++) {
    const pids = cgroupPids(paths);
    if (pids.length === 0) return;
    for (const pid of pids) {
      const start = readStartTime(pid);
      if (start && signalIfSame(pid, start, SIGKILL)) waitGone(pid, start, 1000);
    }
  }
}
