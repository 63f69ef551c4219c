import * as fs from 'node:fs';
import { native } from '../native/binding';
import { OcirtError } from '../native/error';

/** How long the runtime waits for the master once the init announced it. */
const RECEIVE_TIMEOUT_MS = 10_000;

/**
 * The socket pair the pty master comes back on. ocirt-init gets `childFd` (placed at the
 * plan's terminal.channelFd), sends the master with SCM_RIGHTS, then announces it on the
 * sync channel; the runtime then takes it with receive(). Node's own sockets cannot
 * carry fds, so this one is read natively.
 */
export class TerminalChannel {
  private constructor(
    readonly parentFd: number,
    private childFd: number,
  ) {}

  static open(): TerminalChannel {
    let pair: [number, number];
    try {
      pair = native().socketPair();
    } catch (err) {
      throw OcirtError.fromNode('socketpair for the terminal', err);
    }
    return new TerminalChannel(pair[0], pair[1]);
  }

  /** The fd to place in the init's stdio (valid until closeChildEnd). */
  get child(): number {
    return this.childFd;
  }

  /** After spawn: the init has its copy. */
  closeChildEnd(): void {
    if (this.childFd >= 0) closeQuietly(this.childFd);
    this.childFd = -1;
  }

  /** The master the init sent: fd (close-on-exec, owned by the caller) and pty name. */
  receive(): { fd: number; name: string } {
    let got: { fd: number; payload: string } | null;
    try {
      got = native().receiveFd(this.parentFd, RECEIVE_TIMEOUT_MS);
    } catch (err) {
      throw OcirtError.fromNode('receive the pty master from the container', err);
    }
    if (!got) throw new OcirtError('receive the pty master from the container: the channel closed');
    return { fd: got.fd, name: got.payload };
  }

  close(): void {
    this.closeChildEnd();
    closeQuietly(this.parentFd);
  }
}

export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}
