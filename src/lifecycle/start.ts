import * as fs from 'node:fs';
import { OcirtError } from '../native/error';
import { isSameProcess } from '../state/liveness';
import { sleepMs } from '../util/sleep';
import { type Loaded, loadContainer } from './container';
import { NotifyForwarder } from './notify-socket';
import { runHooks } from './hooks';
import { signalIfSame, waitGone } from './signal-process';

const SIGKILL = 9;

/**
 * `start`: opens the exec fifo for reading, which releases the init blocked on it, and
 * waits for its byte. The fifo is opened non-blocking so a dead init cannot hang us.
 * With `notify` (the caller's NOTIFY_SOCKET, for a container created with one), it
 * returns only once the container said READY=, or its process ended, as runc's start.
 */
export async function startContainer(
  root: string,
  id: string,
  debug?: (m: string) => void,
  notify?: { socket: string; warn: (m: string) => void },
): Promise<void> {
  const { store, record, status, dir } = loadContainer(root, id);
  debug?.(`start: container ${id} is ${status}, init pid ${record.pid}`);
  if (status === 'stopped') throw new OcirtError('cannot start a container that has stopped');
  if (status !== 'created') throw new OcirtError(`cannot start an already ${status} container`);
  const forwarder = notify ? NotifyForwarder.open(dir, notify.socket, { pid: record.pid, startTime: record.initStartTime }) : undefined;
  try {
    await releaseInit({ store, record }, debug);
    if (forwarder) {
      debug?.(`start: waiting for READY= on the container's notify socket, for NOTIFY_SOCKET ${notify!.socket}`);
      const ready = await forwarder.forward(record.pid, notify!.warn);
      debug?.(ready ? `start: READY and MAINPID=${record.pid} sent to ${notify!.socket}` : 'start: the container\'s process ended before READY');
    }
  } finally {
    forwarder?.close();
  }
  debug?.(`start: container ${id} started`);
}

/** Takes the init's byte from the exec fifo, marks the container running, runs poststart. */
async function releaseInit({ store, record }: Pick<Loaded, 'store' | 'record'>, debug?: (m: string) => void): Promise<void> {
  let fd: number;
  try {
    fd = fs.openSync(record.execFifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    throw OcirtError.fromNode(`open exec fifo ${record.execFifo}`, err);
  }
  try {
    const buf = Buffer.alloc(1);
    for (;;) {
      let n = 0;
      try {
        n = fs.readSync(fd, buf, 0, 1, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw OcirtError.fromNode('read exec fifo', err);
      }
      if (n === 1) break;
      // The init may have taken the fifo, run, and exited between two reads: its byte
      // is then waiting in the fifo.
      if (!isSameProcess(record.pid, record.initStartTime)) {
        if (readByte(fd, buf) === 1) break;
        throw new OcirtError('container init exited before start');
      }
      sleepMs(1);
    }
  } finally {
    fs.closeSync(fd);
  }
  debug?.(`start: the init took the exec fifo ${record.execFifo}: it runs the container's process`);
  fs.rmSync(record.execFifo, { force: true });
  record.status = 'running';
  store.write(record);
  await runPoststart(record, debug);
}

/**
 * A failing poststart hook fails `start` (runtime-spec 1.3: generate an error, stop the
 * container): the container is killed, as runc does, and left stopped for `delete`,
 * which runs the poststop hooks; the hooks after the failed one do not run.
 */
async function runPoststart(
  record: Parameters<typeof hookBase>[0] & { initStartTime: string; hooks: { poststart: Parameters<typeof runHooks>[1] } },
  debug: ((m: string) => void) | undefined,
) {
  try {
    await runHooks('poststart', record.hooks.poststart, { ...hookBase(record), status: 'running' }, debug);
  } catch (err) {
    if (signalIfSame(record.pid, record.initStartTime, SIGKILL)) waitGone(record.pid, record.initStartTime);
    throw err;
  }
}

export function hookBase(record: { ociVersion: string; id: string; pid: number; bundle: string; annotations: Record<string, string> }) {
  return { ociVersion: record.ociVersion, id: record.id, pid: record.pid, bundle: record.bundle, annotations: record.annotations };
}

function readByte(fd: number, buf: Buffer): number {
  try {
    return fs.readSync(fd, buf, 0, 1, null);
  } catch {
    return 0;
  }
}
