/**
 * linux.intelRdt → the resctrl group the container's processes join, as runc's intelrdt
 * manager does it: the group is <resctrl>/<closID>, or <resctrl>/<container id> when
 * closID is absent; schemata lines (l3CacheSchema, memBwSchema, schemata) are written to
 * it; with enableMonitoring the container also gets mon_groups/<id>. A group named by
 * closID is shared and never removed; a group ocirt creates for the container is
 * removed with it. On a host without resctrl (or without the feature a field needs) the
 * config is refused, naming what is missing.
 */
import * as path from 'node:path';
import type { Linux } from '../spec/types';
import { planError, pointer } from './plan-error';

export interface IntelRdtHostFacts {
  /** Mount point of the resctrl filesystem; null when it is not mounted. */
  mount: string | null;
  /** info/L3 (cache allocation), info/MB (memory bandwidth), info/L3_MON (monitoring). */
  l3: boolean;
  mb: boolean;
  monitoring: boolean;
  /** The group named by closID exists already. */
  closExists: boolean;
}

export interface IntelRdtPlan {
  /** The group directory. */
  group: string;
  /** Text for <group>/schemata, "" for none. */
  schemata: string;
  /** mon_groups/<id> of the container, or null. */
  monGroup: string | null;
  /** Remove the group with the container (ocirt created it for this container alone). */
  removeGroup: boolean;
}

export function translateIntelRdt(linux: Linux | undefined, containerId: string, facts: IntelRdtHostFacts | undefined): IntelRdtPlan | null {
  const rdt = linux?.intelRdt;
  if (!rdt) return null;
  const at = (...rest: string[]) => pointer('linux', 'intelRdt', ...rest);
  if (!facts?.mount) {
    throw planError(at(), 'Intel RDT requested, but the host has no resctrl filesystem mounted (a CPU with RDT, CONFIG_X86_CPU_RESCTRL, and `mount -t resctrl resctrl /sys/fs/resctrl`)');
  }
  if (rdt.l3CacheSchema && !facts.l3) throw planError(at('l3CacheSchema'), 'the host\'s resctrl has no L3 cache allocation (info/L3)');
  if (rdt.memBwSchema && !facts.mb) throw planError(at('memBwSchema'), 'the host\'s resctrl has no memory bandwidth allocation (info/MB)');
  if (rdt.enableMonitoring && !facts.monitoring) throw planError(at('enableMonitoring'), 'the host\'s resctrl has no monitoring (info/L3_MON)');
  const lines = [rdt.l3CacheSchema, rdt.memBwSchema, ...(rdt.schemata ?? [])].filter((s): s is string => !!s);
  const closId = rdt.closID;
  if (closId && lines.length === 0 && !facts.closExists) {
    throw planError(at('closID'), `resctrl group ${JSON.stringify(closId)} does not exist (it must be created beforehand when no schemata is given)`);
  }
  const group = closId === '/' ? facts.mount : path.join(facts.mount, closId || containerId);
  return {
    group,
    schemata: lines.map((l) => `${l}\n`).join(''),
    monGroup: rdt.enableMonitoring ? path.join(group, 'mon_groups', containerId) : null,
    removeGroup: !closId,
  };
}
