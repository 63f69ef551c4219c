import { openCgroupDriver } from '../cgroups/select-driver';
import { OcirtError } from '../native/error';
import { gatherIntelRdtFacts } from '../plan/intel-rdt-host';
import type { LinuxResources } from '../spec/types-resources';
import { loadContainer } from './container';
import { applyIntelRdtUpdate, checkIntelRdtUpdate, type IntelRdtSchemaUpdate } from './intel-rdt-update';

/**
 * `update ID`: changes the resource limits of a created, running or paused container.
 * Only the fields given are written (the others keep their values); device rules are
 * not changed (as runc). Bad input changes nothing; a write the kernel refuses puts back
 * the limits changed before it. `rdt`: Intel RDT schemata (--l3-cache-schema,
 * --mem-bw-schema), refused before any limit changes on a host that cannot apply them.
 */
export function updateContainer(root: string, id: string, resources: LinuxResources, warn: (m: string) => void, rdt: IntelRdtSchemaUpdate = {}): void {
  const { record, status, store } = loadContainer(root, id);
  if (status === 'stopped') throw new OcirtError('container not running');
  const wantsRdt = rdt.l3CacheSchema !== undefined || rdt.memBwSchema !== undefined;
  const facts = wantsRdt ? gatherIntelRdtFacts(undefined) : undefined;
  if (facts) checkIntelRdtUpdate(rdt, facts);
  // Only schemata: the cgroup is not touched (a container without one of its own can still have them).
  if (!wantsRdt || Object.keys(resources).length > 0) openCgroupDriver(record.cgroup).update(resources, { warn });
  if (facts && applyIntelRdtUpdate(record, rdt, facts)) store.write(record);
}
