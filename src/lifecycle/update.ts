import { openCgroupDriver } from '../cgroups/select-driver';
import { OcirtError } from '../native/error';
import type { LinuxResources } from '../spec/types-resources';
import { loadContainer } from './container';

/**
 * `update ID`: changes the resource limits of a created, running or paused container.
 * Only the fields given are written (the others keep their values); device rules are
 * not changed (as runc). Bad input changes nothing; a write the kernel refuses puts back
 * the limits changed before it.
 */
export function updateContainer(root: string, id: string, resources: LinuxResources, warn: (m: string) => void): void {
  const { record, status } = loadContainer(root, id);
  if (status === 'stopped') throw new OcirtError('container not running');
  openCgroupDriver(record.cgroup).update(resources, { warn });
}
