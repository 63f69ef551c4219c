import * as tty from 'node:tty';
import { native } from '../native/binding';

/**
 * `run -t` / `exec -t` without --console-socket: ocirt itself is the other end of the
 * container's pty. The caller's terminal goes raw (keys reach the container as typed,
 * ^C included), its window size is copied to the pty now and on every SIGWINCH, and
 * bytes are copied both ways until the container side closes.
 */
export interface TerminalProxy {
  /**
   * Waits for the pty's output to end (every slave closed: EIO on the master), at most
   * graceMs once the process is gone (a background process may keep the slave open),
   * then restores the caller's terminal and lets go of the master.
   */
  finish(graceMs?: number): Promise<void>;
}

export interface ProxyIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

export function startTerminalProxy(master: number, io: ProxyIo = { stdin: process.stdin, stdout: process.stdout }): TerminalProxy {
  const pty = new tty.ReadStream(master);
  const { stdin, stdout } = io;
  let ended = false;
  const done = new Promise<void>((resolve) => {
    const end = () => {
      ended = true;
      resolve();
    };
    pty.on('end', end);
    pty.on('close', end);
    // EIO: the last slave fd closed. Any other error ends the copy as well.
    pty.on('error', end);
  });
  pty.on('data', (chunk: Buffer) => {
    stdout.write(chunk);
  });

  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  const restore = () => {
    if (raw) {
      try {
        stdin.setRawMode(false);
      } catch {
        // the terminal went away
      }
    }
  };
  process.on('exit', restore);
  const onInput = (chunk: Buffer) => {
    if (!ended) pty.write(chunk);
  };
  stdin.on('data', onInput);
  stdin.on('error', () => {});
  stdin.resume();

  const resize = () => {
    const size = callerSize(stdin, stdout);
    if (!size) return;
    try {
      native().setWindowSize(master, size.rows, size.cols);
    } catch {
      // the pty is gone
    }
  };
  resize();
  process.on('SIGWINCH', resize);

  return {
    async finish(graceMs = 1000) {
      if (!ended) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
        clearTimeout(timer);
      }
      process.off('SIGWINCH', resize);
      stdin.off('data', onInput);
      restore();
      process.off('exit', restore);
      stdin.pause();
      // process.stdin holds the event loop while it is open.
      if (stdin === process.stdin) stdin.destroy();
      pty.destroy();
    },
  };
}

function callerSize(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): { rows: number; cols: number } | undefined {
  if (stdout.isTTY && stdout.rows > 0 && stdout.columns > 0) return { rows: stdout.rows, cols: stdout.columns };
  if (stdin.isTTY) {
    try {
      const s = native().windowSize(0);
      if (s.rows > 0 && s.cols > 0) return s;
    } catch {
      // not a terminal after all
    }
  }
  return undefined;
}
