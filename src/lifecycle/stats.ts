import { openCgroupDriver } from '../cgroups/select-driver';
import { encodeJson } from '../cgroups/stats-types';
import { OcirtError } from '../native/error';
import type { ContainerRecord } from '../state/record';
import { loadContainer } from './container';

/** A line of `events` output: runc's types.Event. */
export function eventLine(type: 'stats' | 'oom', id: string, data?: unknown): string {
  return `${encodeJson(data === undefined ? { type, id } : { type, id, data })}\n`;
}

/** The container of `events`: it must not be stopped (runc's wording). */
export function loadForEvents(root: string, id: string): ContainerRecord {
  const { record, status } = loadContainer(root, id);
  if (status === 'stopped') throw new OcirtError(`container with id ${id} is not running`);
  return record;
}

/** `events --stats ID`: one stats event. */
export function statsEvent(record: ContainerRecord): string {
  return eventLine('stats', record.id, openCgroupDriver(record.cgroup).stats());
}
