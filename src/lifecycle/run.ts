import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import { createContainer, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import { signalIfSame } from './signal-process';
import { startContainer } from './start';

const FORWARDED: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

/**
 * `run`: create + start. Detached, it returns once started. Otherwise ocirt becomes the
 * init's subreaper, forwards signals to it, waits, deletes the container and returns
 * the exit status (128+signal when it was killed).
 */
export async function runContainer(opts: CreateOptions & { detach: boolean }, warn: (m: string) => void): Promise<number> {
  if (!opts.detach) native().setChildSubreaper();
  const record = await createContainer(opts);
  try {
    await startContainer(opts.root, opts.id, warn);
  } catch (err) {
    await deleteContainer(opts.root, opts.id, true, warn).catch(() => {});
    throw err;
  }
  if (opts.detach) return 0;

  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      try {
        signalIfSame(record.pid, record.initStartTime, osSignal(sig));
      } catch {
        // the container is exiting
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  let status: { code: number | null; signal: number | null };
  try {
    status = await native().waitForExit(record.pid);
  } catch (err) {
    throw OcirtError.fromNode(`wait for container ${opts.id}`, err);
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
  await deleteContainer(opts.root, opts.id, true, warn);
  return status.code ?? 128 + (status.signal ?? 0);
}

function osSignal(name: NodeJS.Signals): number {
  return (require('node:os') as typeof import('node:os')).constants.signals[name];
}
