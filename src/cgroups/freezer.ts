import * as path from 'node:path';
import { OcirtError } from '../native/error';
import { sleepMs } from '../util/sleep';
import type { CgroupIo } from './cgroup-io';
import { readOptional } from './cgroup-io';

/**
 * The two freezers. v1 (freezer.state) may stay FREEZING while a task is stuck in the
 * kernel: runc's answer, kept here, is to retry, thawing briefly now and then so the
 * stuck task can get past the point where it cannot be frozen. v2 (cgroup.freeze)
 * reports completion in cgroup.events ("frozen 1").
 */

export function freezeV1(dir: string, io: CgroupIo): void {
  const file = path.join(dir, 'freezer.state');
  try {
    for (let i = 0; i < 1000; i++) {
      if (i % 50 === 49) {
        io.write(file, 'THAWED');
        sleepMs(10);
      }
      io.write(file, 'FROZEN');
      const state = io.read(file).trim();
      if (state === 'FROZEN') return;
      if (state !== 'FREEZING') throw new OcirtError(`freeze ${dir}: unexpected freezer.state ${JSON.stringify(state)}`);
      if (i % 25 === 24) sleepMs(1);
    }
  } catch (err) {
    safeWrite(io, file, 'THAWED');
    if (err instanceof OcirtError) throw err;
    throw OcirtError.fromNode(`freeze ${dir}`, err);
  }
  safeWrite(io, file, 'THAWED');
  throw new OcirtError(`freeze ${dir}: the cgroup did not freeze (a process is stuck in the kernel)`);
}

export function thawV1(dir: string, io: CgroupIo): void {
  try {
    io.write(path.join(dir, 'freezer.state'), 'THAWED');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw OcirtError.fromNode(`thaw ${dir}`, err);
  }
}

/** FROZEN by itself (not only through a frozen ancestor, when the kernel says). */
export function isFrozenV1(dir: string, io: CgroupIo): boolean {
  if (readOptional(io, path.join(dir, 'freezer.state')) !== 'FROZEN') return false;
  return readOptional(io, path.join(dir, 'freezer.self_freezing')) !== '0';
}

export function freezeV2(dir: string, io: CgroupIo, timeoutMs = 10_000): void {
  try {
    io.write(path.join(dir, 'cgroup.freeze'), '1');
  } catch (err) {
    throw OcirtError.fromNode(`freeze ${dir}`, err);
  }
  for (let waited = 0; ; waited += 5) {
    const events = readOptional(io, path.join(dir, 'cgroup.events'));
    // Without cgroup.events (a scratch tree in tests) cgroup.freeze is all there is.
    if (events === undefined || /^frozen 1$/m.test(events)) return;
    if (waited >= timeoutMs) {
      safeWrite(io, path.join(dir, 'cgroup.freeze'), '0');
      throw new OcirtError(`freeze ${dir}: the cgroup did not freeze within ${timeoutMs / 1000}s`);
    }
    sleepMs(5);
  }
}

export function thawV2(dir: string, io: CgroupIo): void {
  try {
    io.write(path.join(dir, 'cgroup.freeze'), '0');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw OcirtError.fromNode(`thaw ${dir}`, err);
  }
}

export function isFrozenV2(dir: string, io: CgroupIo): boolean {
  return readOptional(io, path.join(dir, 'cgroup.freeze')) === '1';
}

function safeWrite(io: CgroupIo, file: string, value: string): void {
  try {
    io.write(file, value);
  } catch {
    // best effort
  }
}
