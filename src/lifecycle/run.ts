import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import { createContainer, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import { SignalForwarder } from './exec-wait';
import { exitCodeOf, ProcessExit, type ExitStatus } from './process-exit';
import { startContainer } from './start';
import { startTerminalProxy } from './terminal-proxy';
import { NotifyForwarder } from './notify-socket';
import type { ContainerRecord } from '../state/record';
import { StateStore } from '../state/store';

export interface RunOptions extends CreateOptions {
  /** Return once the container has started (nothing is waited for). */
  detach: boolean;
  /** Do not delete the container after it exits (it stays stopped, with its cgroup). */
  keep?: boolean;
  /**
   * Make this process a child subreaper (PR_SET_CHILD_SUBREAPER, process-wide) so the
   * container's init is its child to wait for. Without it the process must already be one.
   * runContainer's default: true in the foreground (the CLI's `run`).
   */
  subreaper?: boolean;
  /**
   * Pass the signals this process gets (SIGINT, SIGTERM, ...: process-wide handlers) on
   * to the container's init while it is waited for. runContainer's default: true in the
   * foreground (the CLI's `run`).
   */
  forwardSignals?: boolean;
}

/**
 * `run`: create + start. Detached, it returns once started (with NOTIFY_SOCKET, once
 * the container said READY= or ended). Otherwise it waits for the init, deletes the
 * container (unless `keep`) and returns how the init ended.
 *
 * A terminal (config.json's, or `tty`) without `consoleSocket` or `onConsole` is
 * proxied to this process's own stdin/stdout.
 */
export async function runToExit(opts: RunOptions): Promise<ExitStatus> {
  const warn = opts.warn ?? (() => {});
  if (!opts.detach) {
    if (opts.subreaper) native().setChildSubreaper();
    else if (!native().isChildSubreaper()) {
      throw new OcirtError('waiting for a container needs this process to be a child subreaper (ask for it: subreaper: true), or use detach');
    }
  }
  // In the foreground without a console socket, a terminal is proxied by ocirt itself.
  let master = -1;
  const onConsole = opts.onConsole ?? (opts.detach ? undefined : (fd: number) => (master = fd));
  const record = await createContainer({ ...opts, onConsole });
  const proxy = master >= 0 ? startTerminalProxy(master) : undefined;
  // Installed before start, so a signal as soon as the process runs reaches it. With a
  // terminal, SIGWINCH resizes the pty (which signals the process) instead.
  const forwarder = !opts.detach && opts.forwardSignals ? new SignalForwarder(proxy ? ['SIGWINCH'] : []) : undefined;
  forwarder?.target(record.pid, record.initStartTime);
  let notify: NotifyForwarder | undefined;
  let exit: ProcessExit | undefined;
  try {
    // Pinned before start: the init cannot have exited yet (it waits on the exec fifo).
    if (!opts.detach) exit = ProcessExit.open(record.pid, record.initStartTime, `wait for the process in ${opts.id}`);
    notify = opts.notifySocket ? openNotify(new StateStore(opts.root).dir(opts.id), opts.notifySocket, record, warn) : undefined;
    await startContainer(opts.root, opts.id, opts.debug);
  } catch (err) {
    notify?.close();
    forwarder?.stop();
    await proxy?.finish(0);
    await deleteContainer(opts.root, opts.id, true, warn, opts.debug).catch(() => {});
    if (exit) await exit.wait(opts.id).catch(() => undefined);
    throw err;
  }
  // NOTIFY_SOCKET: the container's READY= goes to the caller with MAINPID: the container's
  // init when ocirt returns (-d, which waits for it as runc does), else ocirt itself.
  const notified = notify?.forward(exit ? process.pid : record.pid, warn).catch((err: Error) => {
    warn(`NOTIFY_SOCKET ${opts.notifySocket}: ${err.message}`);
  }).finally(() => notify!.close());
  if (!exit) {
    await notified;
    return { code: 0, signal: null };
  }

  let status: ExitStatus;
  try {
    status = await exit.wait(`wait for the process in ${opts.id}`);
  } finally {
    forwarder?.stop();
    await proxy?.finish();
  }
  await notified;
  opts.debug?.(`run: the container's process exited: ${status.code !== null ? `status ${status.code}` : `signal ${status.signal}`}`);
  // keep: left stopped, with its cgroup, for `delete` (as runc).
  if (!opts.keep) await deleteContainer(opts.root, opts.id, true, warn, opts.debug);
  return status;
}

/**
 * The CLI's `run`: runToExit with, in the foreground, the subreaper role and signal
 * forwarding unless told otherwise; the exit status as a number (128+signal when the
 * init was killed). A program that runs containers should prefer `Runtime.run`,
 * which changes nothing process-wide unless asked.
 */
export async function runContainer(opts: RunOptions, warn: (m: string) => void): Promise<number> {
  const foreground = !opts.detach;
  return exitCodeOf(
    await runToExit({
      ...opts,
      warn: opts.warn ?? warn,
      subreaper: opts.subreaper ?? foreground,
      forwardSignals: opts.forwardSignals ?? foreground,
    }),
  );
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
