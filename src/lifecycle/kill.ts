import { openCgroupDriver } from '../cgroups/select-driver';
import { OcirtError } from '../native/error';
import { loadContainer } from './container';
import { cgroupSummary } from './debug-summary';
import { signalIfSame } from './signal-process';

/**
 * `kill [--all] ID SIGNAL`: created, running and paused containers can be signalled.
 * `--all` also works on a stopped container, as runc: what is left in its cgroup (the
 * init of a container without its own pid namespace may be gone before the rest).
 */
export function killContainer(root: string, id: string, signal: number, all: boolean, debug?: (m: string) => void): void {
  const { record, status } = loadContainer(root, id);
  debug?.(`kill: container ${id} is ${status}; signal ${signal} to ${all ? `every process of cgroup ${cgroupSummary(record.cgroup)}` : `init pid ${record.pid}`}`);
  if (all) {
    // Every process of the cgroup: cgroup.kill for SIGKILL where the kernel has it, else
    // freeze, signal each, thaw (a paused container stays paused).
    const cgroup = openCgroupDriver(record.cgroup);
    if (cgroup.kind !== 'none') cgroup.killAll(signal);
    else if (status !== 'stopped') signalIfSame(record.pid, record.initStartTime, signal);
    else throw new OcirtError('container not running');
    return;
  }
  if (status === 'stopped') throw new OcirtError('container not running');
  if (!signalIfSame(record.pid, record.initStartTime, signal)) throw new OcirtError('container not running');
}
