// Terminals: process.terminal with --console-socket (the pty master handed over with
// SCM_RIGHTS before the command returns), /dev/console, exec -t, and `run -t` / `exec -t`
// proxying the terminal themselves. No `script`: the test is the engine here.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, expectCleanError, lines, ocirtToFiles, stateOf } from '../helpers/containers';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';
import { ConsoleListener, PtyClient } from './terminal-helpers';

const scope = new TestScope();
const opened: Array<{ close(): void }> = [];

afterEach(() => {
  for (const o of opened.splice(0)) o.close();
  scope.reset();
});
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

function listener(): ConsoleListener {
  const l = new ConsoleListener(scope.scratch('ocirt-console-'));
  opened.push(l);
  return l;
}

function client(fd: number): PtyClient {
  const c = new PtyClient(fd);
  opened.push(c);
  return c;
}

const TERMINAL = (s: Spec) => {
  s.process!.terminal = true;
};

/** Runs ocirt in the background with stdin from `input`; resolves with its exit and output. */
function interactive(args: string[], input: string[]): Promise<{ status: number | null; out: string; err: string }> {
  const child = spawn(OCIRT, ['--root', scope.root, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  // Lines are typed one by one once the shell has printed something.
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < input.length && out.length > 0) child.stdin.write(input[sent++]);
  }, 150);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearInterval(timer);
      resolve({ status, out, err });
    }),
  );
}

describe.skipIf(!isRoot)('terminals (need root)', () => {
  it('create --console-socket: the master arrives before create returns; /dev/console and stdio are the pty', async () => {
    const l = listener();
    const b = scope.bundle(['sh'], TERMINAL);
    const id = scope.id('con');
    const r = ocirtToFiles(scope.root, ['create', '--console-socket', l.path, '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    expect(r.out()).toBe('');
    const { fd, name } = l.receive(5_000);
    expect(name).toMatch(/^\/dev\/pts\/\d+$/);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    const pty = client(fd);
    pty.write('tty; stat -c "%t:%T %F" /dev/console; ls -l /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2; echo sum-$((40+2))\n');
    const out = await pty.waitFor('sum-42\r\n');
    expect(out).toContain(`${name}\r\n`);
    expect(out).toMatch(/88:\d+ character special file/); // 0x88 = 136: a pty slave
    for (const n of [0, 1, 2]) expect(out).toContain(`/proc/self/fd/${n} -> ${name}`);
    pty.write('exit 3\n');
    await pty.waitEnd();
    for (let i = 0; i < 100 && stateOf(scope.root, id).status !== 'stopped'; i++) spawnSync('sleep', ['0.05']);
    expect(stateOf(scope.root, id).status).toBe('stopped');
  });

  it('process.consoleSize sets the pty size; a non-root user owns its terminal', async () => {
    const l = listener();
    const b = scope.bundle(['sh', '-c', 'stty size; stat -c %u /proc/self/fd/0; id -u'], (s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 33, width: 111 };
      s.process!.user = { uid: 1000, gid: 1000 };
    });
    const id = scope.id('size');
    expect(ocirtToFiles(scope.root, ['create', '--console-socket', l.path, '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    const pty = client(l.receive(5_000).fd);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    const out = await pty.waitEnd();
    expect(lines(out.replace(/\r/g, ''))).toEqual(['33 111', '1000', '1000']);
  });

  it('exec -t -d --console-socket, and --process with terminal true', async () => {
    const b = scope.bundle(['sleep', '1000']);
    const id = scope.id('ext');
    expect(ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);

    const l = listener();
    const r = ocirtToFiles(scope.root, ['exec', '-t', '-d', '--console-socket', l.path, id, 'sh'], { dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    const got = l.receive(5_000);
    const pty = client(got.fd);
    pty.write('tty; echo $((6*7))-done\n');
    const out = await pty.waitFor('42-done\r\n');
    expect(out).toContain(`${got.name}\r\n`);
    pty.write('exit\n');
    await pty.waitEnd();

    const file = `${b.dir}/process.json`;
    fs.writeFileSync(file, JSON.stringify({ terminal: true, args: ['sh', '-c', 'tty; stty size'], cwd: '/', consoleSize: { height: 12, width: 34 }, env: ['PATH=/bin'] }));
    const l2 = listener();
    const r2 = ocirtToFiles(scope.root, ['exec', '--process', file, '--detach', '--console-socket', l2.path, id], { dir: b.dir });
    expect(r2.status, r2.err()).toBe(0);
    const out2 = await client(l2.receive(5_000).fd).waitEnd();
    expect(lines(out2.replace(/\r/g, ''))).toEqual([expect.stringMatching(/^\/dev\/pts\/\d+$/), '12 34']);
  });

  it('run -t proxies the terminal: keys in, output out, the exit status', async () => {
    const b = scope.bundle(['sh']);
    const id = scope.id('runt');
    const r = await interactive(['run', '-t', '--bundle', b.dir, id], ['tty; echo in-$((1+2))\n', 'exit 5\n']);
    expect(r.err).toBe('');
    expect(r.status).toBe(5);
    expect(r.out).toMatch(/\/dev\/pts\/\d+\nin-3\n/);
    expect(fs.existsSync(`${scope.root}/${id}`)).toBe(false);
  });

  it('exec -t proxies the terminal and returns the status', async () => {
    const b = scope.bundle(['sleep', '1000']);
    const id = scope.id('exect');
    expect(ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    const r = await interactive(['exec', '-t', id, 'sh'], ['tty; echo x-$((2*3))\n', 'exit 6\n']);
    expect(r.err).toBe('');
    expect(r.status).toBe(6);
    expect(r.out).toMatch(/\/dev\/pts\/\d+\nx-6\n/);
  });

  it('run and exec -t in the foreground relay "\\n" as written (ONLCR cleared, as runc\'s relay does)', () => {
    const b = scope.bundle(['sh', '-c', 'echo a; echo b'], TERMINAL);
    const r = scope.ocirt(['run', '--bundle', b.dir, scope.id('onlcr')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('a\nb\n');

    const plain = scope.bundle(['sleep', '1000']);
    const id = scope.id('onlcrx');
    expect(ocirtToFiles(scope.root, ['run', '-d', '--bundle', plain.dir, id], { dir: plain.dir }).status).toBe(0);
    const x = scope.ocirt(['exec', '-t', id, 'sh', '-c', 'echo c; echo d']);
    expect(x.stderr).toBe('');
    expect(x.stdout).toBe('c\nd\n');
  });

  it('a console socket gets the pty with the kernel\'s ONLCR left on, as runc sends it: its receiver decides', async () => {
    const l = listener();
    const b = scope.bundle(['sh', '-c', 'echo a; echo b'], TERMINAL);
    const id = scope.id('onlcrs');
    expect(ocirtToFiles(scope.root, ['create', '--console-socket', l.path, '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    const pty = client(l.receive(5_000).fd);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    expect(await pty.waitEnd()).toBe('a\r\nb\r\n');
  });

  it('runc\'s rules: a detached terminal needs a console socket, a console socket a detached terminal', () => {
    const l = listener();
    const b = scope.bundle(['sh'], TERMINAL);
    expectCleanError(scope.ocirt(['create', '--bundle', b.dir, scope.id('nosock')]), 'cannot allocate tty if ocirt will detach without setting console socket');
    expectCleanError(scope.ocirt(['run', '-d', '--bundle', b.dir, scope.id('nosock')]), 'cannot allocate tty');
    const plain = scope.bundle(['sleep', '1000']);
    expectCleanError(scope.ocirt(['create', '--console-socket', l.path, '--bundle', plain.dir, scope.id('sock')]), 'cannot use console socket if ocirt will not detach or allocate tty');
    expect(fs.readdirSync(scope.root)).toEqual([]);

    const id = scope.id('rules');
    expect(ocirtToFiles(scope.root, ['run', '-d', '--bundle', plain.dir, id], { dir: plain.dir }).status).toBe(0);
    const detachedNoSocket = scope.ocirt(['exec', '-t', '-d', id, 'sh']);
    expect(detachedNoSocket.status).toBe(255);
    expect(detachedNoSocket.stderr).toContain('cannot allocate tty');
    expect(scope.ocirt(['exec', '--console-socket', l.path, id, 'true']).stderr).toContain('cannot use console socket');
  });

  it('a console socket nobody listens on fails create and leaves nothing behind', () => {
    const b = scope.bundle(['sh'], TERMINAL);
    const id = scope.id('deadsock');
    const r = scope.ocirt(['create', '--console-socket', `${b.dir}/nobody.sock`, '--bundle', b.dir, id]);
    expectCleanError(r, /connect to console socket .*nobody\.sock: ENOENT/);
    expect(fs.readdirSync(scope.root)).toEqual([]);
  });

  it('the pty comes from the container\'s own devpts', async () => {
    const l = listener();
    const b = scope.bundle(['sh', '-c', 'readlink /dev/ptmx; ls /dev/pts | tr "\\n" " "; echo'], (s) => {
      s.process!.terminal = true;
    });
    const id = scope.id('ptmx');
    expect(ocirtToFiles(scope.root, ['create', '--console-socket', l.path, '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    const pty = client(l.receive(5_000).fd);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    const out = (await pty.waitEnd()).replace(/\r/g, '');
    // a devpts of its own: only the container's pty (0) and ptmx
    expect(lines(out)).toEqual(['pts/ptmx', '0 ptmx ']);
  });

  it('without a devpts at /dev/pts no pty is taken from anywhere else', () => {
    const l = listener();
    const b = scope.bundle(['sh'], (s) => {
      s.process!.terminal = true;
      const pts = s.mounts!.find((m) => m.destination === '/dev/pts')!;
      Object.assign(pts, { type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
    });
    const r = scope.ocirt(['create', '--console-socket', l.path, '--bundle', b.dir, scope.id('nopts')]);
    expectCleanError(r, /terminal: open \/dev\/ptmx: ELOOP/);
    expect(fs.readdirSync(scope.root)).toEqual([]);
  });
});
