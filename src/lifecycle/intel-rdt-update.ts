import * as path from 'node:path';
import { OcirtError } from '../native/error';
import type { IntelRdtHostFacts } from '../plan/intel-rdt';
import type { ContainerRecord } from '../state/record';
import { joinIntelRdt, write } from './intel-rdt';

/** `update --l3-cache-schema` and `--mem-bw-schema` (runc's flags): schemata lines for the container's resctrl group. */
export interface IntelRdtSchemaUpdate {
  l3CacheSchema?: string;
  memBwSchema?: string;
}

const NO_RESCTRL = 'the host has no resctrl filesystem mounted (a CPU with RDT, CONFIG_X86_CPU_RESCTRL, and `mount -t resctrl resctrl /sys/fs/resctrl`)';

/** Refuses, before anything is changed, what the host cannot do; runc's phrase leads. */
export function checkIntelRdtUpdate(u: IntelRdtSchemaUpdate, facts: IntelRdtHostFacts): void {
  if (u.l3CacheSchema !== undefined && !(facts.mount && facts.l3)) {
    throw new OcirtError(`--l3-cache-schema: Intel RDT/CAT: l3 cache schema is not enabled: ${facts.mount ? 'the host\'s resctrl has no L3 cache allocation (info/L3)' : NO_RESCTRL}`);
  }
  if (u.memBwSchema !== undefined && !(facts.mount && facts.mb)) {
    throw new OcirtError(`--mem-bw-schema: Intel RDT/MBA: memory bandwidth schema is not enabled: ${facts.mount ? 'the host\'s resctrl has no memory bandwidth allocation (info/MB)' : NO_RESCTRL}`);
  }
  for (const [flag, value] of [['--l3-cache-schema', u.l3CacheSchema], ['--mem-bw-schema', u.memBwSchema]] as const) {
    if (value !== undefined && (value.trim() === '' || value.includes('\n'))) throw new OcirtError(`${flag}: must be one schemata line (e.g. "L3:0=ff" or "MB:0=50"), got ${JSON.stringify(value)}`);
  }
}

/**
 * Writes the schemata lines to the container's resctrl group. A container that has
 * none yet (no linux.intelRdt) gets <resctrl>/<id>, created and joined by its init as
 * runc does, and recorded so that delete removes it. Returns whether `record` changed.
 */
export function applyIntelRdtUpdate(record: ContainerRecord, u: IntelRdtSchemaUpdate, facts: IntelRdtHostFacts): boolean {
  const lines = [u.l3CacheSchema, u.memBwSchema].filter((l): l is string => l !== undefined).map((l) => `${l}\n`).join('');
  if (lines === '') return false;
  let changed = false;
  let group = record.intelRdt?.group;
  if (!group) {
    if (record.intelRdt) throw new OcirtError('cannot update Intel RDT: the container\'s resctrl group is not recorded (it was created by an older ocirt)');
    group = path.join(facts.mount!, record.id);
    record.intelRdt = joinIntelRdt({ group, schemata: '', monGroup: null, removeGroup: true }, record.pid);
    changed = true;
  }
  write(path.join(group, 'schemata'), lines);
  return changed;
}
