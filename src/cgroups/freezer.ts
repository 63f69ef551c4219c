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

/** A container's cgroup that a freezer holds: `cgroup` is the container's, `frozen` the one set to freeze (it or an ancestor). */
export interface FrozenCgroup {
  cgroup: string;
  frozen: string;
}

/**
 * Whether a process put in dir (which need not exist yet) would be frozen, in a v1
 * freezer hierarchy mounted at mountPoint. freezer.state shows an ancestor's freezing
 * too; self_freezing tells which directory asked for it.
 */
export function frozenV1At(dir: string, mountPoint: string, io: CgroupIo): FrozenCgroup | undefined {
  let first: string | undefined;
  for (let d = dir; within(d, mountPoint); d = path.dirname(d)) {
    const state = readOptional(io, path.join(d, 'freezer.state'));
    // Not made yet, or the hierarchy's root (which cannot be frozen).
    if (state === undefined) continue;
    if (state === 'THAWED') break;
    first ??= d;
    if (readOptional(io, path.join(d, 'freezer.self_freezing')) !== '0') return { cgroup: dir, frozen: d };
  }
  return first ? { cgroup: dir, frozen: first } : undefined;
}

/** The same in a v2 hierarchy: cgroup.freeze is 1 in dir or in one of its ancestors. */
export function frozenV2At(dir: string, mountPoint: string, io: CgroupIo): FrozenCgroup | undefined {
  for (let d = dir; within(d, mountPoint); d = path.dirname(d)) {
    if (readOptional(io, path.join(d, 'cgroup.freeze')) === '1') return { cgroup: dir, frozen: d };
  }
  return undefined;
}

/** runc's words, with the paths. */
export function unexpectedlyFrozen(f: FrozenCgroup): OcirtError {
  const where = f.frozen === f.cgroup ? f.cgroup : `${f.cgroup} (its ancestor ${f.frozen} is frozen)`;
  return new OcirtError(`container's cgroup unexpectedly frozen: ${where}`, { path: f.frozen });
}

function within(dir: string, mountPoint: string): boolean {
  return dir === mountPoint || dir.startsWith(mountPoint.endsWith('/') ? mountPoint : `${mountPoint}/`);
}

function safeWrite(io: CgroupIo, file: string, value: string): void {
  try {
    io.write(file, value);
  } catch {
    // best effort
  }
}
