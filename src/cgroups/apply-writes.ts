import * as path from 'node:path';
import { OcirtError } from '../native/error';
import type { CgroupIo } from './cgroup-io';
import { readOptional } from './cgroup-io';
import type { CgroupWrite } from './cgroup-write';

export interface ApplyOptions {
  warn?: (message: string) => void;
  /**
   * When a write fails, put back the single-value files changed so far (`update`: a
   * failed update leaves the limits as they were). `create` removes the cgroup instead.
   */
  undo?: boolean;
}

type Errno = NodeJS.ErrnoException;

/**
 * Carries out a translation's writes, controller by controller in the order given.
 * A write marked retryLater that fails with EINVAL is tried again after the other writes
 * of its controller (memory before memory+swap or the reverse, whichever the kernel
 * accepts; the same for CFS period and quota). Failures become one clear error naming
 * the config field, the file and the errno.
 */
export function applyWrites(writes: readonly CgroupWrite[], dirOf: (controller: string) => string, io: CgroupIo, opts: ApplyOptions = {}): void {
  const undo: Array<{ file: string; value: string }> = [];
  try {
    for (const [controller, group] of groupByController(writes)) {
      const dir = dirOf(controller);
      const later: CgroupWrite[] = [];
      for (const w of group) if (!attempt(w, dir, io, opts, undo, false)) later.push(w);
      for (const w of later) attempt(w, dir, io, opts, undo, true);
    }
  } catch (err) {
    if (opts.undo) {
      for (const u of undo.reverse()) {
        try {
          io.write(u.file, u.value);
        } catch {
          // best effort: the error being reported matters more
        }
      }
    }
    throw err;
  }
}

function groupByController(writes: readonly CgroupWrite[]): Map<string, CgroupWrite[]> {
  const groups = new Map<string, CgroupWrite[]>();
  for (const w of writes) {
    const list = groups.get(w.controller) ?? [];
    list.push(w);
    groups.set(w.controller, list);
  }
  return groups;
}

/** Returns false when the write is to be retried later. */
function attempt(
  w: CgroupWrite,
  dir: string,
  io: CgroupIo,
  opts: ApplyOptions,
  undo: Array<{ file: string; value: string }>,
  final: boolean,
): boolean {
  const target = path.join(dir, w.file);
  const old = opts.undo && !w.list ? readOptional(io, target) : undefined;
  try {
    io.write(target, w.value);
  } catch (err) {
    const code = (err as Errno).code;
    if (code === 'ENOENT' && w.ifMissing !== undefined) {
      if (w.ifMissing === 'skip') return true;
      if ('warn' in w.ifMissing) {
        opts.warn?.(w.ifMissing.warn);
        return true;
      }
      return attempt({ ...w, file: w.ifMissing.file, value: w.ifMissing.value, ifMissing: undefined }, dir, io, opts, undo, final);
    }
    if (code === 'EINVAL' && w.retryLater && !final) return false;
    if (code === 'EINVAL' && w.ifInvalid) {
      opts.warn?.(w.ifInvalid.warn);
      return true;
    }
    throw writeError(w, target, dir, io, err as Errno);
  }
  if (old !== undefined) undo.push({ file: target, value: old });
  if (w.check) verify(w, target, io, opts);
  return true;
}

function verify(w: CgroupWrite, target: string, io: CgroupIo, opts: ApplyOptions): void {
  const readBack = readOptional(io, target);
  if (readBack === undefined) return;
  const wanted = Number(w.value);
  const got = Number(readBack);
  if (w.check === 'cpu-shares') {
    if (got < wanted) throw new OcirtError(`${w.pointer}: ${w.value} is too large: the maximum allowed cpu-shares is ${readBack}`);
    if (got > wanted) throw new OcirtError(`${w.pointer}: ${w.value} is too small: the minimum allowed cpu-shares is ${readBack}`);
  } else if (w.check && wanted > 0 && got !== Math.floor(wanted / 4096) * 4096 && got !== wanted) {
    opts.warn?.(w.check.ignoredWarn);
  }
}

function writeError(w: CgroupWrite, target: string, dir: string, io: CgroupIo, err: Errno): OcirtError {
  const what = `${w.pointer}: write ${JSON.stringify(w.value)} to ${target}`;
  if (err.code === 'ENOENT') {
    if (!io.exists(dir)) return new OcirtError(`${what}: the cgroup directory ${dir} does not exist`);
    const controller = w.file.slice(0, w.file.indexOf('.'));
    const enabled = readOptional(io, path.join(dir, 'cgroup.controllers'));
    if (w.controller === 'unified' && enabled !== undefined && controller !== 'cgroup' && !enabled.split(/\s+/).includes(controller)) {
      return new OcirtError(`${w.pointer}: the ${controller} controller is not enabled for ${dir} (it has: ${enabled || 'none'})`);
    }
    return new OcirtError(`${w.pointer}: this kernel has no ${w.file} (no such file in ${dir})`);
  }
  if (err.code === 'EBUSY' && (w.file === 'memory.limit_in_bytes' || w.file === 'memory.memsw.limit_in_bytes')) {
    const usage = readOptional(io, path.join(dir, w.file.replace('limit_in_bytes', 'usage_in_bytes')));
    const peak = readOptional(io, path.join(dir, w.file.replace('limit_in_bytes', 'max_usage_in_bytes')));
    return new OcirtError(`${w.pointer}: cannot set the limit to ${w.value}: the container uses ${usage ?? '?'} bytes (peak ${peak ?? '?'}) and the kernel could not reclaim enough`);
  }
  if (err.code === 'EINVAL' && (w.file === 'memory.limit_in_bytes' || w.file === 'memory.memsw.limit_in_bytes')) {
    const other = w.file === 'memory.limit_in_bytes' ? 'memory.memsw.limit_in_bytes' : 'memory.limit_in_bytes';
    const current = readOptional(io, path.join(dir, other));
    if (current !== undefined) {
      return new OcirtError(
        `${w.pointer}: cannot set ${w.file} to ${w.value} while ${other} is ${current}` +
          ' (memory+swap must be >= memory; give both limits)',
      );
    }
  }
  return OcirtError.fromSys(what, { errno: Math.abs(err.errno ?? 0) || 22, syscall: 'write', path: target });
}
