import { native } from '../native/binding';
import { createContainer, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import { SignalForwarder } from './exec-wait';
import { startContainer } from './start';
import { startTerminalProxy } from './terminal-proxy';
import { NotifyForwarder } from './notify-socket';
import type { ContainerRecord } from '../state/record';
import { StateStore } from '../state/store';

/**
 * `run`: create + start. Detached, it returns once started (with NOTIFY_SOCKET, once
 * the container said READY= or ended). Otherwise ocirt becomes the
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
  let notify: NotifyForwarder | undefined;
  try {
    notify = opts.notifySocket ? openNotify(new StateStore(opts.root).dir(opts.id), opts.notifySocket, record, warn) : undefined;
    await startContainer(opts.root, opts.id, opts.debug);
  } catch (err) {
    notify?.close();
    forwarder?.stop();
    await proxy?.finish(0);
    await deleteContainer(opts.root, opts.id, true, warn, opts.debug).catch(() => {});
    throw err;
  }
  // NOTIFY_SOCKET: the container's READY= goes to the caller with MAINPID: the container's
  // init when ocirt returns (-d, which waits for it as runc does), else ocirt itself.
  const notified = notify?.forward(forwarder ? process.pid : record.pid, warn).catch((err: Error) => {
    warn(`NOTIFY_SOCKET ${opts.notifySocket}: ${err.message}`);
  }).finally(() => notify!.close());
  if (!forwarder) {
    await notified;
    return 0;
  }

  let status: { code: number | null; signal: number | null };
  try {
    status = await forwarder.wait(opts.id);
  } finally {
    forwarder.stop();
    await proxy?.finish();
  }
  await notified;
  opts.debug?.(`run: the container's process exited: ${status.code !== null ? `status ${status.code}` : `signal ${status.signal}`}`);
  // --keep: left stopped, with its cgroup, for `delete` (as runc).
  if (!opts.keep) await deleteContainer(opts.root, opts.id, true, warn, opts.debug);
  return status.code ?? 128 + (status.signal ?? 0);
}

/** As runc's run, a NOTIFY_SOCKET that cannot be used is no reason not to run: a warning. */
function openNotify(stateDir: string, socket: string, init: ContainerRecord, warn: (m: string) => void): NotifyForwarder | undefined {
  try {
    return NotifyForwarder.open(stateDir, socket, { pid: init.pid, startTime: init.initStartTime });
  } catch (err) {
    warn((err as Error).message);
    return undefined;
  }
}
