/**
 * Terminals without `script`: a console socket listener made with the addon (Node's own
 * sockets cannot receive fds), and a client of the pty master it receives that writes
 * keys and waits for output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tty from 'node:tty';
import { native } from '../../src/native/binding';

export class ConsoleListener {
  readonly path: string;
  private readonly fd: number;

  constructor(dir: string, name = 'console.sock') {
    this.path = path.join(dir, name);
    this.fd = native().listenUnix(this.path);
  }

  /**
   * The master of the next connection: what ocirt sent before it returned, so this is
   * called after the ocirt command (or while it waits for the process).
   */
  receive(timeoutMs = 20_000): { fd: number; name: string } {
    const conn = native().acceptUnix(this.fd, timeoutMs);
    try {
      const got = native().receiveFd(conn, timeoutMs);
      if (!got) throw new Error('the console socket connection closed without a pty master');
      return { fd: got.fd, name: got.payload };
    } finally {
      fs.closeSync(conn);
    }
  }

  close(): void {
    fs.closeSync(this.fd);
    fs.rmSync(this.path, { force: true });
  }
}

/** The engine's side of a pty: keys in, output collected, EIO (every slave closed) as the end. */
export class PtyClient {
  output = '';
  ended = false;
  private readonly stream: tty.ReadStream;
  private waiters: Array<() => void> = [];

  constructor(readonly fd: number) {
    this.stream = new tty.ReadStream(fd);
    this.stream.on('data', (d: Buffer) => {
      this.output += d.toString('utf8');
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    this.stream.on('error', end);
    this.stream.on('end', end);
    this.stream.on('close', end);
  }

  write(text: string): void {
    this.stream.write(text);
  }

  /** Waits until the output matches (bounded; the bound is no speed assertion). */
  async waitFor(pattern: RegExp | string, limitMs = 20_000): Promise<string> {
    const matches = () => (typeof pattern === 'string' ? this.output.includes(pattern) : pattern.test(this.output));
    const until = Date.now() + limitMs;
    while (!matches()) {
      if (this.ended || Date.now() > until) {
        throw new Error(`pty output never matched ${String(pattern)}${this.ended ? ' (pty closed)' : ''}: ${JSON.stringify(this.output)}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.output;
  }

  /** Waits for the end of output (the process and everything holding the slave exited). */
  async waitEnd(limitMs = 20_000): Promise<string> {
    const until = Date.now() + limitMs;
    while (!this.ended && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    if (!this.ended) throw new Error(`pty never closed: ${JSON.stringify(this.output)}`);
    return this.output;
  }

  close(): void {
    this.stream.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
