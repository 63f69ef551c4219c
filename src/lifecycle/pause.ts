import { openCgroupDriver } from '../cgroups/select-driver';
import { OcirtError } from '../native/error';
import { loadContainer } from './container';

/**
 * `pause ID`: freezes every process of a created or running container (the v1 freezer
 * on a v1 or hybrid host, cgroup.freeze on a unified one). `state` and `list` then
 * show `paused`.
 */
export function pauseContainer(root: string, id: string): void {
  const { record, status } = loadContainer(root, id);
  if (status !== 'running' && status !== 'created') throw new OcirtError('container not running');
  openCgroupDriver(record.cgroup).freeze();
}
