// --pidfd-socket (runc 1.2) for create, run and exec: the caller's listener gets one
// message whose fd is a pidfd of the container's process ("standard" for the init,
// "setns" for an exec'd process), and through it can signal exactly that process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { native } from '../../src/native/binding';
import { TestScope, expectCleanError, ocirtToFiles, stateOf, waitForStatus } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';
import { ConsoleListener } from './terminal-helpers';

const scope = new TestScope();
const listeners: ConsoleListener[] = [];
afterEach(() => {
  for (const l of listeners.splice(0)) l.close();
  scope.reset();
});
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** The pid a pidfd refers to, from /proc/self/fdinfo ("Pid:" line; -1 once it has exited). */
function pidOf(pidfd: number): number {
  const m = /^Pid:\s*(-?\d+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${pidfd}`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

function listener(): ConsoleListener {
  const l = new ConsoleListener(scope.scratch('ocirt-pidfd-'), 'pidfd.sock');
  listeners.push(l);
  return l;
}

describe.skipIf(!isRoot)('--pidfd-socket (needs root)', () => {
  it('create: a pidfd of the init, payload "standard"; signalling it stops the container', () => {
    const l = listener();
    const id = scope.id('pidfd');
    const b = scope.bundle(['sleep', '1000']);
    const r = ocirtToFiles(scope.root, ['create', '--pidfd-socket', l.path, '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    const got = l.receive();
    try {
      expect(got.name).toBe('standard');
      const pid = stateOf(scope.root, id).pid;
      expect(pidOf(got.fd)).toBe(pid);
      expect(scope.ocirt(['start', id]).status).toBe(0);
      native().pidfdSendSignal(got.fd, 9);
      expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    } finally {
      fs.closeSync(got.fd);
    }
  });

  it('run -d: the same, for the init that runs', () => {
    const l = listener();
    const id = scope.id('pidfd-run');
    const b = scope.bundle(['sleep', '1000']);
    const r = ocirtToFiles(scope.root, ['run', '-d', '--pidfd-socket', l.path, '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    const got = l.receive();
    try {
      expect(got.name).toBe('standard');
      expect(pidOf(got.fd)).toBe(stateOf(scope.root, id).pid);
    } finally {
      fs.closeSync(got.fd);
    }
  });

  it('exec -d: a pidfd of the exec\'d process, payload "setns"', () => {
    const id = scope.id('pidfd-exec');
    const b = scope.bundle(['sleep', '1000']);
    expect(ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    const l = listener();
    const pidFile = path.join(b.dir, 'exec.pid');
    // To files, not pipes: the detached process keeps its stdio open.
    const r = ocirtToFiles(scope.root, ['exec', '-d', '--pidfd-socket', l.path, '--pid-file', pidFile, id, 'sleep', '999'], { dir: b.dir });
    expect(r.err()).toBe('');
    expect(r.status).toBe(0);
    const got = l.receive();
    try {
      expect(got.name).toBe('setns');
      const execPid = Number(fs.readFileSync(pidFile, 'utf8'));
      expect(pidOf(got.fd)).toBe(execPid);
      expect(execPid).not.toBe(stateOf(scope.root, id).pid);
    } finally {
      fs.closeSync(got.fd);
    }
  });

  it('a socket nobody listens on fails create cleanly and leaves nothing', () => {
    const id = scope.id('pidfd-none');
    const b = scope.bundle(['sleep', '1000']);
    const r = scope.ocirt(['create', '--pidfd-socket', path.join(b.dir, 'nobody.sock'), '--bundle', b.dir, id]);
    expectCleanError(r, /connect to pidfd socket .*nobody\.sock: ENOENT/);
    expect(scope.ocirt(['state', id]).status).not.toBe(0);
    expect(scope.leftovers()).toEqual([]);
  });
});
