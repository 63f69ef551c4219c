import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import type { RecordCgroup } from '../state/record';

export interface EventHandlers {
  /** The kernel hit the memory limit (v1: an OOM notification; v2: oom_kill grew). */
  oom(): void;
  /** The container is over: no process left in its cgroup, or the cgroup is gone. */
  gone(): void;
}

export interface EventWatch {
  close(): void;
}

/**
 * Watches a container's cgroup for `events`, as runc does: on v1 an eventfd registered
 * for memory.oom_control (the kernel also signals it when the cgroup is removed); on v2
 * inotify on memory.events (oom_kill) and cgroup.events (populated 0: the container is
 * over). A hybrid host gets both: the v1 OOM notification and the end from the v2
 * directory's cgroup.events.
 */
export function watchCgroupEvents(cg: RecordCgroup, handlers: EventHandlers): EventWatch {
  const closers: Array<() => void> = [];
  let done = false;
  const gone = () => {
    if (done) return;
    done = true;
    handlers.gone();
  };
  const memoryV1 = cg.driver === 'cgroupfs-v1' ? Object.entries(cg.paths).find(([k]) => k.split(',').includes('memory'))?.[1] : undefined;
  if (memoryV1) closers.push(watchV1Oom(memoryV1, handlers.oom, gone));
  const unified = cg.paths.unified;
  if (unified) closers.push(watchV2(unified, cg.driver === 'cgroupfs-v2' ? handlers.oom : undefined, gone));
  return {
    close: () => {
      done = true;
      for (const c of closers) c();
    },
  };
}

function watchV1Oom(dir: string, oom: () => void, gone: () => void): () => void {
  let efd: number;
  try {
    efd = native().memoryEventFd(dir, 'memory.oom_control');
  } catch (err) {
    throw OcirtError.fromNode(`watch OOM events of ${dir}`, err);
  }
  let closed = false;
  const buf = Buffer.alloc(8);
  const next = () => {
    // A blocking read in libuv's thread pool: returns on each notification.
    fs.read(efd, buf, 0, 8, null, (err) => {
      if (closed) {
        fs.close(efd, () => undefined);
        return;
      }
      if (err) {
        gone();
        return;
      }
      if (!fs.existsSync(path.join(dir, 'cgroup.event_control'))) {
        closed = true;
        fs.close(efd, () => undefined);
        gone();
        return;
      }
      oom();
      next();
    });
  };
  next();
  return () => {
    if (closed) return;
    closed = true;
    // Wake the pending read so that the thread pool (and the process) can finish.
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    try {
      fs.writeSync(efd, one);
    } catch {
      // already closed
    }
  };
}

function watchV2(dir: string, oom: (() => void) | undefined, gone: () => void): () => void {
  const watchers: fs.FSWatcher[] = [];
  let lastKills = readCounter(path.join(dir, 'memory.events'), 'oom_kill') ?? 0;
  const check = () => {
    if (oom) {
      const kills = readCounter(path.join(dir, 'memory.events'), 'oom_kill');
      if (kills !== undefined && kills > lastKills) {
        lastKills = kills;
        oom();
      }
    }
    const populated = readCounter(path.join(dir, 'cgroup.events'), 'populated');
    if (populated === undefined || populated === 0) gone();
  };
  for (const file of ['cgroup.events', ...(oom ? ['memory.events'] : [])]) {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) continue;
    try {
      const w = fs.watch(full, { persistent: true }, check);
      w.on('error', () => gone());
      watchers.push(w);
    } catch (err) {
      throw OcirtError.fromNode(`watch ${full}`, err);
    }
  }
  // The container may have ended before the watch was set up.
  setImmediate(check);
  return () => {
    for (const w of watchers) w.close();
  };
}

/** "key N" from a flat-keyed cgroup file; undefined when unreadable. */
export function readCounter(file: string, key: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}
