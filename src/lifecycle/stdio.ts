import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Stream, Writable } from 'node:stream';
import { native } from '../native/binding';

/**
 * One of a container process's stdin, stdout, stderr, as child_process takes it:
 * this process's own ('inherit'), a new pipe whose other end the caller gets as a stream
 * ('pipe': a socket pair, as Node makes them), /dev/null ('ignore'), an open fd, or a
 * stream backed by an fd (a file stream once open, a socket).
 */
export type StdioSlot = 'inherit' | 'pipe' | 'ignore' | number | Stream;

/**
 * The spawn slots for the ocirt-init helper, which forks the container's process and
 * exits. Node destroys a child's stdin stream when the child exits, so a piped stdin is
 * a socket pair of ours: the helper gets one end (its process inherits it), the caller
 * a stream on the other that outlives the helper.
 */
export function spawnStdio(slots: readonly [StdioSlot, StdioSlot, StdioSlot]): {
  slots: StdioSlot[];
  stdin: Writable | null;
  /** Once spawned (or failed): our copy of the helper's end is closed. */
  spawned(): void;
} {
  if (slots[0] !== 'pipe') return { slots: [...slots], stdin: null, spawned: () => {} };
  const [ours, theirs] = native().socketPair();
  let stdin: net.Socket;
  try {
    stdin = new net.Socket({ fd: ours, readable: false, writable: true });
  } catch (err) {
    fs.closeSync(ours);
    fs.closeSync(theirs);
    throw err;
  }
  let closed = false;
  return {
    slots: [theirs, slots[1], slots[2]],
    stdin,
    spawned: () => {
      if (closed) return;
      closed = true;
      fs.closeSync(theirs);
    },
  };
}
