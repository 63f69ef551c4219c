import { openCgroupDriver } from '../cgroups/select-driver';
import { OcirtError } from '../native/error';
import { loadContainer } from './container';
import { signalIfSame } from './signal-process';

/** `kill [--all] ID SIGNAL`: created, running and paused containers can be signalled. */
export function killContainer(root: string, id: string, signal: number, all: boolean): void {
  const { record, status } = loadContainer(root, id);
  if (status === 'stopped') throw new OcirtError('container not running');
  if (all) {
    // Every process of the cgroup: cgroup.kill for SIGKILL where the kernel has it, else
    // freeze, signal each, thaw (a paused container stays paused).
    const cgroup = openCgroupDriver(record.cgroup);
    if (cgroup.kind === 'none') signalIfSame(record.pid, record.initStartTime, signal);
    else cgroup.killAll(signal);
    return;
  }
  if (!signalIfSame(record.pid, record.initStartTime, signal)) throw new OcirtError('container not running');
}
