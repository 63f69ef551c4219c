import type { LinuxRdma, LinuxThrottleDevice } from '../spec/types-resources';
import { formatInt } from './cgroup-write';

/** A throttle rule: v1 "8:0 1048576", v2 "8:0 rbps=1048576" (key given). */
export function blockDeviceLine(d: LinuxThrottleDevice, key: string): string {
  return `${d.major}:${d.minor} ${key ? `${key}=` : ''}${formatInt(d.rate)}`;
}

/**
 * pids.max for linux.resources.pids.limit: a negative limit is "max"; 0 is a real limit
 * (runtime-spec 1.3, runc 1.4), written as 1 because systemd refuses TasksMax=0 and the
 * cgroupfs drivers do the same so the two never disagree (a pids cgroup behaves the same
 * at 0 and 1: the one process it holds can fork nothing).
 */
export function pidsMax(limit: number): string {
  if (limit < 0) return 'max';
  return formatInt(limit === 0 ? 1 : limit);
}

/** An rdma.max line: "mlx4_0 hca_handle=2 hca_object=2000" (only the limits given). */
export function rdmaLine(device: string, limits: LinuxRdma): string {
  let line = device;
  if (limits.hcaHandles !== undefined) line += ` hca_handle=${formatInt(limits.hcaHandles)}`;
  if (limits.hcaObjects !== undefined) line += ` hca_object=${formatInt(limits.hcaObjects)}`;
  return line;
}

/** The controller a v2 file belongs to: "memory.high" → "memory", "cgroup.max.depth" → "cgroup". */
export function controllerOfFile(file: string): string {
  const dot = file.indexOf('.');
  return dot < 0 ? file : file.slice(0, dot);
}
