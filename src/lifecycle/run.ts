import { native } from '../native/binding';
import { createContainer, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import { SignalForwarder } from './exec-wait';
import { startContainer } from './start';
import { startTerminalProxy } from './terminal-proxy';

/**
 * `run`: create + start. Detached, it returns once started. Otherwise ocirt becomes the
 * init's subreaper, forwards signals to it, waits, deletes the container (unless
 * --keep) and returns the exit status (128+signal when it was killed).
 */
export async function runContainer(opts: CreateOptions & { detach: boolean; keep?: boolean }, warn: (m: string) => void): Promise<number> {
  if (!opts.detach) native().setChildSubreaper();
  // In the foreground without a console socket, a terminal is proxied by ocirt itself.
  let master = -1;
  const onConsole = opts.detach ? undefined : (fd: number) => (master = fd);
  const record = await createContainer({ ...opts, onConsole });
  const proxy = master >= 0 ? startTerminalProxy(master) : undefined;
  // Installed before start, so a signal as soon as the process runs reaches it. With a
  // terminal, SIGWINCH resizes the pty (which signals the process) instead.
  const forwarder = opts.detach ? undefined : new SignalForwarder(proxy ? ['SIGWINCH'] : []);
  forwarder?.target(record.pid, record.initStartTime);
  try {
    await startContainer(opts.root, opts.id, opts.debug);
  } catch (err) {
    forwarder?.stop();
    await proxy?.finish(0);
    await deleteContainer(opts.root, opts.id, true, warn, opts.debug).catch(() => {});
    throw err;
  }
  if (!forwarder) return 0;

  let status: { code: number | null; signal: number | null };
  try {
    status = await forwarder.wait(opts.id);
  } finally {
    forwarder.stop();
    await proxy?.finish();
  }
  opts.debug?.(`run: the container's process exited: ${status.code !== null ? `status ${status.code}` : `signal ${status.signal}`}`);
  // --keep: left stopped, with its cgroup, for `delete` (as runc).
  if (!opts.keep) await deleteContainer(opts.root, opts.id, true, warn, opts.debug);
  return status.code ?? 128 + (status.signal ?? 0);
}
