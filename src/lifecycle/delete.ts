import * as fs from 'node:fs';
import * as path from 'node:path';
import { openCgroupDriver } from '../cgroups/select-driver';
import { isOcirtError, OcirtError } from '../native/error';
import type { RecordCgroup } from '../state/record';
import { StateStore } from '../state/store';
import { loadContainer } from './container';
import { waitForCreateInProgress } from './create-in-progress';
import { cgroupSummary } from './debug-summary';
import { destroyContainer } from './destroy';
import { runHooksWarning } from './hooks';
import { hookBase } from './start';

/**
 * `delete [--force] ID`: a created or stopped container is removed; a running or
 * paused one only with --force (killed first). poststop hooks run last.
 */
export async function deleteContainer(
  root: string,
  id: string,
  force: boolean,
  warn: (m: string) => void,
  debug?: (m: string) => void,
): Promise<void> {
  const store = new StateStore(root);
  waitForCreateInProgress(store.dir(id), id);
  let loaded;
  try {
    loaded = loadContainer(root, id);
  } catch (err) {
    // A create killed before state.json existed leaves only the directory.
    const dir = path.join(store.root, id);
    if (fs.existsSync(dir) && !fs.existsSync(path.join(dir, 'state.json'))) {
      fs.rmSync(dir, { recursive: true, force: true });
      if (force) return;
    }
    if (force && isOcirtError(err) && /does not exist/.test(err.message)) return;
    throw err;
  }
  const { record, status } = loaded;
  if ((status === 'running' || status === 'paused') && !force) {
    throw new OcirtError(`cannot delete container ${id} that is not stopped: ${status}`);
  }
  debug?.(`delete: container ${id} is ${status}, init pid ${record.pid}${force ? ' (--force)' : ''}`);
  if (status === 'paused') thaw(record.cgroup);
  destroyContainer(record, { killInit: true, warn });
  debug?.(`delete: init killed if it was alive; cgroup ${cgroupSummary(record.cgroup)} removed`);
  await runHooksWarning('poststop', record.hooks.poststop, { ...hookBase(record), status: 'stopped' }, warn, debug);
  store.remove(id);
  debug?.(`delete: container ${id} deleted (state directory removed)`);
}

function thaw(cgroup: RecordCgroup): void {
  try {
    openCgroupDriver(cgroup).thaw();
  } catch {
    // the cgroup may already be gone
  }
}
