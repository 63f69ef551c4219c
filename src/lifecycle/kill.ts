import { cgroupPids } from '../cgroups/cgroupfs';
import { OcirtError } from '../native/error';
import { readStartTime } from '../state/liveness';
import { loadContainer } from './container';
import { signalIfSame } from './signal-process';

/** `kill [--all] ID SIGNAL`: created, running and paused containers can be signalled. */
export function killContainer(root: string, id: string, signal: number, all: boolean): void {
  const { record, status } = loadContainer(root, id);
  if (status === 'stopped') throw new OcirtError('container not running');
  if (all) {
    for (const pid of cgroupPids(record.cgroup.paths)) {
      if (pid === record.pid) continue;
      const start = readStartTime(pid);
      if (start) signalIfSame(pid, start, signal);
    }
    signalIfSame(record.pid, record.initStartTime, signal);
    return;
  }
  if (!signalIfSame(record.pid, record.initStartTime, signal)) throw new OcirtError('container not running');
}
