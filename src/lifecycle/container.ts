import * as path from 'node:path';
import { OcirtError } from '../native/error';
import type { ContainerRecord } from '../state/record';
import { liveStatus, type LiveStatus } from '../state/status';
import { StateStore } from '../state/store';

/** A container as the commands after create see it: its record and live status. */
export interface Loaded {
  store: StateStore;
  record: ContainerRecord;
  status: LiveStatus;
  dir: string;
}

export function loadContainer(root: string, id: string): Loaded {
  const store = new StateStore(root);
  const record = store.read(id);
  const dir = store.dir(id);
  return { store, record, dir, status: liveStatus(record, dir) };
}

export function stateDirOf(root: string, id: string): string {
  return path.join(root, id);
}

export function notRunning(id: string): OcirtError {
  return new OcirtError(`container ${id} is not running: container not running`);
}
