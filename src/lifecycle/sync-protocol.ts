import type { Socket } from 'node:net';
import { OcirtError } from '../native/error';

/**
 * The conversation between the runtime and ocirt-init on the sync socket.
 *
 *   runtime → init  {"type":"plan","plan":InitPlan}
 *   init → runtime  {"type":"idmap"}            (new user namespace: write the maps)
 *   runtime → init  {"type":"ack"}
 *   init → runtime  {"type":"pid","pid":N}      (host pid of the container's init)
 *   runtime → init  {"type":"state","creating":S,"created":S}  (hook stdin texts)
 *   init → runtime  {"type":"hooks"}            (mounts done: run prestart/createRuntime)
 *   runtime → init  {"type":"ack"}
 *   init → runtime  {"type":"rlimits"}          (process.rlimitsByRuntime: prlimit the init)
 *   runtime → init  {"type":"ack"}
 *   init → runtime  {"type":"ready"}            (blocked on the exec fifo now)
 *
 * With process.terminal, after pivot_root the init sends the pty master with
 * SCM_RIGHTS on the terminal channel (a second socket pair, plan.terminal.channelFd)
 * and then announces it here:
 *   init → runtime  {"type":"console","name":"/dev/pts/N"}
 *
 * `exec` (ocirt-init started with argv[2] "exec"; see src/lifecycle/exec.ts):
 *   runtime → init  {"type":"exec","plan":ExecPlan}
 *   init → runtime  {"type":"pid","pid":N}      (host pid of the new process)
 *   init → runtime  {"type":"console","name":S} (with a terminal, as above)
 *   init → runtime  {"type":"rlimits"}          (process.rlimitsByRuntime: prlimit the new
 *   runtime → init  {"type":"ack"}               process; it may come before its pid)
 *   init → runtime  {"type":"exec"}             (about to execve; the channel closes on success)
 *
 * With an SCMP_ACT_NOTIFY rule in linux.seccomp, once the filter is loaded (init or
 * exec; see src/lifecycle/seccomp-notify.ts):
 *   init → runtime  {"type":"seccomp","fd":N}   (N: the listener fd in the init)
 *   runtime → init  {"type":"ack"}              (the runtime has its own copy)
 *
 * At any point the init may send {"type":"error",errno,syscall,path,stage,message} and
 * exit. Runtime → init frames are a 4-byte little-endian length and JSON; init →
 * runtime messages are one JSON object per line.
 */

export type InitMessage =
  | { type: 'idmap' }
  | { type: 'pid'; pid: number }
  | { type: 'hooks' }
  | { type: 'rlimits' }
  | { type: 'ready' }
  | { type: 'console'; name: string }
  | { type: 'exec' }
  | { type: 'seccomp'; fd: number }
  | { type: 'done' }
  | { type: 'error'; errno: number; syscall: string; path: string; stage: string; message: string };

export class SyncChannel {
  private buffer = '';
  private queue: InitMessage[] = [];
  private waiter: ((m: InitMessage | null) => void) | null = null;
  private closed = false;

  constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('end', () => this.onClose());
    socket.on('close', () => this.onClose());
    socket.on('error', () => this.onClose());
  }

  send(message: object): void {
    const body = Buffer.from(JSON.stringify(message));
    const frame = Buffer.alloc(4 + body.length);
    frame.writeUInt32LE(body.length, 0);
    body.copy(frame, 4);
    this.socket.write(frame);
  }

  /** The next message, or null when the init closed the channel. */
  next(): Promise<InitMessage | null> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim() === '') continue;
      let message: InitMessage;
      try {
        message = JSON.parse(line) as InitMessage;
      } catch {
        message = { type: 'error', errno: 0, syscall: '', path: '', stage: 'sync', message: `malformed message from init: ${line.slice(0, 200)}` };
      }
      this.deliver(message);
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    const w = this.waiter;
    this.waiter = null;
    w?.(null);
  }

  private deliver(message: InitMessage): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w(message);
    } else {
      this.queue.push(message);
    }
  }
}

/** Turns an init error report into the error the CLI prints. */
export function initError(id: string, m: Extract<InitMessage, { type: 'error' }>): OcirtError {
  const where = m.stage ? `${m.stage}: ` : '';
  if (m.errno && m.syscall) {
    return OcirtError.fromSys(`${where}${m.syscall} ${m.path}`.trimEnd(), {
      errno: m.errno,
      syscall: m.syscall,
      path: m.path || undefined,
      stage: m.stage,
    });
  }
  return new OcirtError(`${where}${m.message}`, { stage: m.stage, path: m.path || undefined });
}
