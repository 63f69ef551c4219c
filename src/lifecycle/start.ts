import * as fs from 'node:fs';
import { OcirtError } from '../native/error';
import { isSameProcess } from '../state/liveness';
import { sleepMs } from '../util/sleep';
import { loadContainer } from './container';
import { runHooks } from './hooks';
import { signalIfSame, waitGone } from './signal-process';

const SIGKILL = 9;

/**
 * `start`: opens the exec fifo for reading, which releases the init blocked on it, and
 * waits for its byte. The fifo is opened non-blocking so a dead init cannot hang us.
 */
export async function startContainer(root: string, id: string, debug?: (m: string) => void): Promise<void> {
  const { store, record, status } = loadContainer(root, id);
  debug?.(`start: container ${id} is ${status}, init pid ${record.pid}`);
  if (status === 'stopped') throw new OcirtError('cannot start a container that has stopped');
  if (status !== 'created') throw new OcirtError(`cannot start an already ${status} container`);

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
  debug?.(`start: container ${id} started`);
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
