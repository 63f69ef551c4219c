import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import { NOTIFY_SOCKET_NAME } from '../plan/notify-socket';
import { NOTIFY_DIR } from '../state/layout';
import { isSameProcess } from '../state/liveness';
import { closeQuietly } from './terminal-channel';

/**
 * NOTIFY_SOCKET pass-through (runc's notify_socket.go). With NOTIFY_SOCKET in its
 * environment (a systemd Type=notify unit), `create`/`run` make `<state dir>/notify/`,
 * which the plan bind-mounts at /run/notify (src/plan/notify-socket.ts). `start` (and
 * `run`) bind the container's socket there and wait until the container sends a
 * datagram with a READY= line, or its process exits. The READY line, MAINPID and an
 * sd_notify_barrier go to the caller's socket; other messages are dropped, as runc
 * drops them. So `start` and `run -d` return only once the container is ready, as
 * runc's do; a foreground `run` forwards while it waits for the container anyway.
 */

/** The caller's NOTIFY_SOCKET; an empty one is none (runc). */
export function callerNotifySocket(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.NOTIFY_SOCKET ? env.NOTIFY_SOCKET : undefined;
}

/** `create`: the directory the container's socket will be in (mounted at /run/notify). */
export function makeNotifyDir(stateDir: string): string {
  const dir = path.join(stateDir, NOTIFY_DIR);
  try {
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
  } catch (err) {
    throw OcirtError.fromNode(`make the notify socket directory ${dir}`, err);
  }
  return dir;
}

/** How long the caller's manager may take to answer the barrier (runc's 30 s). */
const BARRIER_TIMEOUT_MS = 30_000;

export class NotifyForwarder {
  private constructor(
    private readonly listener: number,
    private readonly host: number,
    private readonly hostPath: string,
    private readonly pidfd: number,
  ) {}

  /**
   * Binds the container's socket and connects to the caller's, before the container's
   * process starts (a bad NOTIFY_SOCKET then fails before anything runs), and pins the
   * init (blocked on the exec fifo, so surely alive) with a pidfd, whose exit ends the
   * wait even once it has been reaped. Undefined for a container created without
   * NOTIFY_SOCKET (it has no notify directory).
   */
  static open(stateDir: string, hostPath: string, init: { pid: number; startTime: string }): NotifyForwarder | undefined {
    const dir = path.join(stateDir, NOTIFY_DIR);
    if (!fs.existsSync(dir)) return undefined;
    const pidfd = pinProcess(init);
    let host = -1;
    try {
      try {
        host = native().connectDatagram(hostPath);
      } catch (err) {
        throw OcirtError.fromNode(`connect to NOTIFY_SOCKET ${hostPath}`, err);
      }
      const socketPath = path.join(dir, NOTIFY_SOCKET_NAME);
      try {
        return new NotifyForwarder(native().bindDatagram(socketPath, 0o777), host, hostPath, pidfd);
      } catch (err) {
        throw OcirtError.fromNode(`bind the container's notify socket ${socketPath}`, err);
      }
    } catch (err) {
      if (host >= 0) closeQuietly(host);
      closeQuietly(pidfd);
      throw err;
    }
  }

  /**
   * Waits for READY= from the container while its init lives; then tells the caller's
   * socket that line, MAINPID=mainPid and waits for its barrier. Returns whether READY
   * was forwarded.
   */
  async forward(mainPid: number, warn: (m: string) => void): Promise<boolean> {
    for (;;) {
      let datagram: Buffer | null;
      try {
        datagram = await native().receiveDatagram(this.listener, this.pidfd);
      } catch (err) {
        throw OcirtError.fromNode('receive from the container\'s notify socket', err);
      }
      if (datagram === null) return false;
      const ready = readyLine(datagram.toString('utf8'));
      if (ready === undefined) continue;
      await this.tellHost(ready, mainPid, warn);
      return true;
    }
  }

  private async tellHost(ready: string, mainPid: number, warn: (m: string) => void): Promise<void> {
    try {
      native().sendDatagram(this.host, `${ready}\n`);
      native().sendDatagram(this.host, `MAINPID=${mainPid}\n`);
    } catch (err) {
      throw OcirtError.fromNode(`send to NOTIFY_SOCKET ${this.hostPath}`, err);
    }
    let answer: 'closed' | 'timeout' | 'data';
    try {
      answer = await native().notifyBarrier(this.host, BARRIER_TIMEOUT_MS);
    } catch (err) {
      throw OcirtError.fromNode(`BARRIER=1 to NOTIFY_SOCKET ${this.hostPath}`, err);
    }
    if (answer === 'timeout') warn('Timeout after waiting 30s for barrier. Ignored.');
    if (answer === 'data') throw new OcirtError(`NOTIFY_SOCKET ${this.hostPath}: unexpected read from synchronization pipe`);
  }

  close(): void {
    closeQuietly(this.listener);
    closeQuietly(this.host);
    closeQuietly(this.pidfd);
  }
}

function pinProcess(init: { pid: number; startTime: string }): number {
  let pidfd: number;
  try {
    pidfd = native().pidfdOpen(init.pid);
  } catch (err) {
    if ((err as { errno?: number }).errno === 3 /* ESRCH */) throw new OcirtError('container init exited before start');
    throw OcirtError.fromNode(`pidfd_open of process ${init.pid}`, err);
  }
  if (!isSameProcess(init.pid, init.startTime)) {
    closeQuietly(pidfd);
    throw new OcirtError('container init exited before start');
  }
  return pidfd;
}

/** The READY= line of a datagram (runc takes one whose payload starts with it; any line counts here). */
export function readyLine(payload: string): string | undefined {
  return payload.split('\n').find((line) => line.startsWith('READY='));
}
