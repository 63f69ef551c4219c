import { openCgroupDriver } from '../cgroups/select-driver';
import { OcirtError } from '../native/error';
import { loadContainer } from './container';

/** `resume ID`: thaws a paused container; it is `running` (or `created`) again. */
export function resumeContainer(root: string, id: string): void {
  const { record, status } = loadContainer(root, id);
  if (status !== 'paused') throw new OcirtError('container not paused');
  openCgroupDriver(record.cgroup).thaw();
}
