import * as fs from 'node:fs';
import { Socket } from 'node:net';
import { initExecutablePath, native } from '../native/binding';
import { OcirtError } from '../native/error';

export interface InitProcess {
  pid: number;
  /** The runtime's end of the sync channel (the init's fd `syncFd`). */
  sync: Socket;
  /** Settles when the process has exited and been reaped. */
  exited: Promise<{ code: number | null; signal: number | null }>;
}

/**
 * Starts ocirt-init with the caller's stdio, the fds 3.. `preserved` passes through,
 * the sync channel after them and `extra` fds after that (the terminal channel), with
 * argv `ocirt-init <syncFd> ...args` and no environment. Natively spawned (posix_spawn,
 * addon/src/napi/spawn_process.cc): child_process.spawn forks all of Node first.
 */
export function spawnInit(preserved: number, args: string[], extra: number[] = []): InitProcess {
  const [ours, theirs] = native().socketPair();
  const syncFd = 3 + preserved;
  const fds = [0, 1, 2, ...Array.from({ length: preserved }, (_, i) => 3 + i), theirs, ...extra];
  let pid: number;
  try {
    pid = native().spawnProcess(initExecutablePath(), [initExecutablePath(), String(syncFd), ...args], fds);
  } catch (err) {
    fs.closeSync(ours);
    throw OcirtError.fromNode(`start ${initExecutablePath()}`, err);
  } finally {
    fs.closeSync(theirs);
  }
  const sync = new Socket({ fd: ours, readable: true, writable: true });
  return { pid, sync, exited: native().waitForExit(pid) };
}
