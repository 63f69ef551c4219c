import * as path from 'node:path';
import { OcirtError } from '../native/error';
import type { LinuxResources } from '../spec/types-resources';
import { type CgroupIo, readOptional } from './cgroup-io';

/**
 * memory.checkBeforeUpdate: refuse (before writing anything) a new limit at or below
 * what the container uses now, instead of letting the kernel reclaim or OOM-kill to
 * meet it. usageFile: memory.current (v2) or memory.usage_in_bytes (v1).
 */
export function checkMemoryBeforeUpdate(res: LinuxResources, dir: string, usageFile: string, io: CgroupIo): void {
  const mem = res.memory;
  if (!mem?.checkBeforeUpdate) return;
  const limit = mem.limit ?? 0;
  const swap = mem.swap ?? 0;
  if (limit <= 0 && swap <= 0) return;
  const text = readOptional(io, path.join(dir, usageFile));
  if (text === undefined || !/^\d+$/.test(text)) return;
  const usage = Number(text);
  if (swap > 0 && swap <= usage) {
    throw new OcirtError(`/memory/swap: rejecting memory+swap limit ${swap}: the container uses ${usage} bytes (checkBeforeUpdate)`);
  }
  if (limit > 0 && limit <= usage) {
    throw new OcirtError(`/memory/limit: rejecting memory limit ${limit}: the container uses ${usage} bytes (checkBeforeUpdate)`);
  }
}
