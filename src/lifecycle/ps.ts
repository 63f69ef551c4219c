import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { openCgroupDriver } from '../cgroups/select-driver';
import { OcirtError } from '../native/error';
import { loadContainer } from './container';

/** `ps --format json ID`: the host pids of the container's processes, ascending. */
export function containerPids(root: string, id: string): number[] {
  const { record } = loadContainer(root, id);
  return openCgroupDriver(record.cgroup).pids();
}

/**
 * `ps ID [ps options]`: runs ps(1) (default `-ef`) and keeps its header and the lines
 * of the container's processes, found by the PID column, as runc does.
 */
export function psTable(pids: readonly number[], psArgs: readonly string[]): string {
  const args = psArgs.length > 0 ? [...psArgs] : ['-ef'];
  // Engines call the runtime with almost no environment: do not depend on PATH.
  const ps = ['/usr/bin/ps', '/bin/ps'].find((p) => fs.existsSync(p)) ?? 'ps';
  const r = spawnSync(ps, args, { encoding: 'utf8', env: { ...process.env, PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  if (r.error) throw OcirtError.fromNode(`run ${ps}`, r.error);
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) throw new OcirtError(`${ps} ${args.join(' ')} exited with status ${r.status}: ${output.trim()}`);
  return filterPsOutput(output, pids);
}

/** The header and the lines whose PID column is one of pids. */
export function filterPsOutput(output: string, pids: readonly number[]): string {
  const lines = output.split('\n');
  const pidIndex = lines[0].trim().split(/\s+/).indexOf('PID');
  if (pidIndex < 0) throw new OcirtError("couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const out = [lines[0]];
  for (const line of lines.slice(1)) {
    if (line.length === 0) continue;
    const field = line.trim().split(/\s+/)[pidIndex];
    if (!/^\d+$/.test(field ?? '')) throw new OcirtError(`unable to parse pid: ${JSON.stringify(field ?? '')}`);
    if (wanted.has(Number(field))) out.push(line);
  }
  return `${out.join('\n')}\n`;
}
