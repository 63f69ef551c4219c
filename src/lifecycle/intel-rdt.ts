import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';
import type { IntelRdtPlan } from '../plan/intel-rdt';

/** What `delete` removes: recorded in state.json (ContainerRecord.intelRdt). */
export interface IntelRdtRecord {
  /** Directories to remove, innermost first (the mon group, then a group ocirt created). */
  remove: string[];
  /** The group the container's processes are in (`update --l3-cache-schema` writes its schemata). */
  group?: string;
}

/**
 * linux.intelRdt, as runc's manager applies it: the group (created if missing) gets the
 * schemata, and the process `pid` (the init's bootstrap, before it forks the container
 * init: the resctrl group is inherited) joins it, and its monitoring group when asked.
 * Returns what to remove with the container.
 */
export function joinIntelRdt(plan: IntelRdtPlan, pid: number): IntelRdtRecord {
  const remove: string[] = [];
  const created = mkdirIfMissing(plan.group);
  if (created && plan.removeGroup) remove.push(plan.group);
  try {
    if (plan.schemata) write(path.join(plan.group, 'schemata'), plan.schemata);
    write(path.join(plan.group, 'tasks'), String(pid));
    if (plan.monGroup) {
      if (mkdirIfMissing(plan.monGroup)) remove.unshift(plan.monGroup);
      write(path.join(plan.monGroup, 'tasks'), String(pid));
    }
  } catch (err) {
    removeIntelRdt({ remove });
    throw err;
  }
  return { remove, group: plan.group };
}

export function removeIntelRdt(record: IntelRdtRecord | undefined): void {
  for (const dir of record?.remove ?? []) {
    try {
      fs.rmdirSync(dir);
    } catch {
      // already gone, or still in use by a process that outlived the container
    }
  }
}

function mkdirIfMissing(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { mode: 0o755 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw OcirtError.fromNode(`intelRdt: mkdir ${dir}`, err);
  }
}

export function write(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (err) {
    throw OcirtError.fromNode(`intelRdt: write ${JSON.stringify(text.trim())} to ${file}`, err);
  }
}
