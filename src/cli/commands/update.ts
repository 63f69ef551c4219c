import * as fs from 'node:fs';
import { OcirtError } from '../../native/error';
import { stringOption } from '../args';
import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import type { IntelRdtSchemaUpdate } from '../../lifecycle/intel-rdt-update';
import { prefix } from './create';

const FLAGS = [
  ['memory', 'bytes', 'memory limit (e.g. 512m, 1g; -1: unlimited)', 'memory'],
  ['memory-swap', 'bytes', 'memory+swap limit (-1: unlimited swap)', 'memorySwap'],
  ['memory-reservation', 'bytes', 'memory soft limit', 'memoryReservation'],
  ['kernel-memory', 'bytes', 'obsolete kernel memory limit', 'kernelMemory'],
  ['kernel-memory-tcp', 'bytes', 'obsolete kernel TCP memory limit', 'kernelMemoryTcp'],
  ['cpu-quota', 'usecs', 'CFS quota per period (-1: none)', 'cpuQuota'],
  ['cpu-period', 'usecs', 'CFS period', 'cpuPeriod'],
  ['cpu-burst', 'usecs', 'CFS burst', 'cpuBurst'],
  ['cpu-share', 'shares', 'CPU shares (relative weight)', 'cpuShares'],
  ['cpu-shares', 'shares', 'same as --cpu-share', 'cpuShares'],
  ['cpu-rt-period', 'usecs', 'realtime period', 'cpuRtPeriod'],
  ['cpu-rt-runtime', 'usecs', 'realtime runtime per period', 'cpuRtRuntime'],
  ['cpu-idle', '0|1', 'SCHED_IDLE for the cgroup', 'cpuIdle'],
  ['cpuset-cpus', 'list', 'CPUs to use (e.g. 0-3,7)', 'cpusetCpus'],
  ['cpuset-mems', 'list', 'memory nodes to use', 'cpusetMems'],
  ['pids-limit', 'n', 'maximum number of processes (-1: unlimited)', 'pidsLimit'],
  ['blkio-weight', '10-1000', 'block IO weight', 'blkioWeight'],
] as const;

export const def: CommandDef = {
  name: 'update',
  summary: 'change the resource limits of a container',
  args: [{ name: 'container-id', required: true }],
  options: [
    { name: 'resources', short: 'r', value: 'file|-', description: 'LinuxResources JSON (from config.json) to apply; - reads stdin; the other flags are then ignored' },
    ...FLAGS.map(([name, value, description]) => ({ name, value, description, hidden: name === 'cpu-shares' || name.startsWith('kernel-') })),
    { name: 'l3-cache-schema', value: 'schema', description: 'Intel RDT/CAT: L3 cache schemata line of the container\'s resctrl group (e.g. L3:0=ff)' },
    { name: 'mem-bw-schema', value: 'schema', description: 'Intel RDT/MBA: memory bandwidth schemata line of the container\'s resctrl group (e.g. MB:0=50)' },
  ],
};

/** --l3-cache-schema, --mem-bw-schema (with -r too, as runc); an empty value is none, as runc. */
export function intelRdtFrom(p: ParsedCommand): IntelRdtSchemaUpdate {
  const out: IntelRdtSchemaUpdate = {};
  const l3 = stringOption(p, 'l3-cache-schema');
  const mb = stringOption(p, 'mem-bw-schema');
  if (l3) out.l3CacheSchema = l3;
  if (mb) out.memBwSchema = mb;
  return out;
}

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const { updateContainer } = require('../../lifecycle/update') as typeof import('../../lifecycle/update');
  const input = require('../../lifecycle/update-input') as typeof import('../../lifecycle/update-input');
  const id = p.args[0];
  try {
    const file = stringOption(p, 'resources');
    let resources;
    if (file !== undefined) {
      const source = file === '-' ? 'resources from stdin' : file;
      let text: string;
      try {
        text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (err) {
        throw OcirtError.fromNode(`read ${source}`, err);
      }
      resources = input.parseResourcesJson(text, source, (m) => ctx.reporter.warn(m));
    } else {
      const flags: Record<string, string> = {};
      for (const [name, , , key] of FLAGS) {
        const v = stringOption(p, name);
        if (v !== undefined) flags[key] = v;
      }
      resources = input.resourcesFromFlags(flags);
    }
    updateContainer(ctx.root, id, resources, (m) => ctx.reporter.warn(m), intelRdtFrom(p));
  } catch (err) {
    prefix(err, `update ${id}`);
    throw err;
  }
  return 0;
}
