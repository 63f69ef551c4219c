/** process.ioPriority → the ioprio_set(2) value: class << IOPRIO_CLASS_SHIFT | level. */
import type { IOPriority, IOPriorityClass } from '../spec/types';
import { planError, pointer } from './plan-error';

export const IOPRIO_CLASSES: Record<IOPriorityClass, number> = {
  IOPRIO_CLASS_RT: 1,
  IOPRIO_CLASS_BE: 2,
  IOPRIO_CLASS_IDLE: 3,
};

const IOPRIO_CLASS_SHIFT = 13;

export function translateIoPriority(p: IOPriority | undefined): number | undefined {
  if (!p) return undefined;
  const cls = IOPRIO_CLASSES[p.class];
  if (cls === undefined) throw planError(pointer('process', 'ioPriority', 'class'), `invalid I/O priority class ${JSON.stringify(p.class)}`);
  const level = p.priority ?? 0;
  if (!Number.isInteger(level) || level < 0 || level > 7) {
    throw planError(pointer('process', 'ioPriority', 'priority'), `must be in 0..7, got ${level}`);
  }
  return (cls << IOPRIO_CLASS_SHIFT) | level;
}
