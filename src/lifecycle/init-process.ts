import * as fs from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { initExecutablePath, native } from '../native/binding';
import { OcirtError } from '../native/error';
import type { StdioSlot } from './stdio';

export interface InitProcess {
  pid: number;
  /** The runtime's end of the sync channel (the init's fd `syncFd`). */
  sync: Socket;
  /** Settles when the process has exited and been reaped. */
  exited: Promise<{ code: number | null; signal: number | null }>;
  /** Our ends of the 'pipe' slots (null for the others). */
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
}

const INHERIT: readonly StdioSlot[] = ['inherit', 'inherit', 'inherit'];

/** The child's fd for a slot, and what to close in this process once it is spawned. */
function slotFd(slot: StdioSlot, i: number, closeAfter: number[], pipes: Array<Socket | null>): number {
  if (slot === 'inherit') return i;
  if (typeof slot === 'number') return slot;
  if (slot === 'ignore') {
    const fd = fs.openSync('/dev/null', i === 0 ? 'r' : 'w');
    closeAfter.push(fd);
    return fd;
  }
  if (slot === 'pipe') {
    const [ours, theirs] = native().socketPair();
    closeAfter.push(theirs);
    pipes[i] = new Socket({ fd: ours, readable: i === 0 ? false : true, writable: i === 0 });
    return theirs;
  }
  const fd = (slot as { fd?: unknown }).fd ?? (slot as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new OcirtError(`stdio ${i}: a stream must be backed by an open file descriptor`);
  return fd;
}

/**
 * Starts ocirt-init with stdio from `stdio` (the caller's own by default), the fds 3..
 * `preserved` passes through, the sync channel after them and `extra` fds after that
 * (the terminal channel), with argv `ocirt-init <syncFd> ...args` and no environment.
 * Natively spawned (posix_spawn, addon/src/napi/spawn_process.cc): child_process.spawn
 * forks all of Node first (12-20 ms a spawn here). Waited for with a pidfd on the event
 * loop, so no pool thread is held.
 */
export function spawnInit(preserved: number, args: string[], extra: number[] = [], stdio: readonly StdioSlot[] = INHERIT): InitProcess {
  const closeAfter: number[] = [];
  const pipes: Array<Socket | null> = [null, null, null];
  let sync: Socket | undefined;
  let pid: number;
  try {
    const std = stdio.map((slot, i) => slotFd(slot, i, closeAfter, pipes));
    const [ours, theirs] = native().socketPair();
    closeAfter.push(theirs);
    sync = new Socket({ fd: ours, readable: true, writable: true });
    const fds = [...std, ...Array.from({ length: preserved }, (_, i) => 3 + i), theirs, ...extra];
    try {
      pid = native().spawnProcess(initExecutablePath(), [initExecutablePath(), String(3 + preserved), ...args], fds);
    } catch (err) {
      throw OcirtError.fromNode(`start ${initExecutablePath()}`, err);
    }
  } catch (err) {
    sync?.destroy();
    for (const p of pipes) p?.destroy();
    throw err;
  } finally {
    for (const fd of closeAfter) fs.closeSync(fd);
  }
  const pidfd = native().pidfdOpen(pid);
  const exited = native()
    .waitPidfd(pidfd)
    .finally(() => fs.closeSync(pidfd));
  return { pid, sync, exited, stdin: pipes[0] as Writable | null, stdout: pipes[1] as Readable | null, stderr: pipes[2] as Readable | null };
}
