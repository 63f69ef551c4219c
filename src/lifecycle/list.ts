import { liveStatus } from '../state/status';
import { StateStore } from '../state/store';

export interface ListEntry {
  ociVersion: string;
  id: string;
  pid: number;
  status: string;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

/** Every container under root; unreadable entries are skipped, like runc. */
export function listContainers(root: string): ListEntry[] {
  const store = new StateStore(root);
  const out: ListEntry[] = [];
  for (const id of store.list()) {
    try {
      const r = store.read(id);
      const status = liveStatus(r, store.dir(id));
      out.push({
        ociVersion: r.ociVersion,
        id: r.id,
        pid: status === 'stopped' ? 0 : r.pid,
        status,
        bundle: r.bundle,
        rootfs: r.rootfs,
        created: r.created,
        owner: r.owner,
        ...(Object.keys(r.annotations).length > 0 ? { annotations: r.annotations } : {}),
      });
    } catch {
      // removed while listing, or a corrupt record: `state` reports those
    }
  }
  return out;
}
