// create → start → kill → delete, run, and the errors of each verb in the wrong state.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  TestScope, expectCleanError, lines, ocirtBackground, ocirtToFiles, ocirtToFilesAsync, pidExists, processesInCgroupOf,
  procStatusField, sh, stateOf, waitForStatus,
} from '../helpers/containers';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** A created container running `script` (not started); output goes to files. */
function createContainer(script: string) {
  const id = scope.id('life');
  const bundle = scope.bundle(sh(script));
  const pidFile = path.join(bundle.dir, 'init.pid');
  const r = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, '--pid-file', pidFile, id], { dir: bundle.dir });
  return { id, bundle, pidFile, r };
}

/** The process's executable and command line, to tell whether it is an ocirt process. */
function describeProcess(pid: number): string {
  let exe = '';
  let cmdline = '';
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    // kernel thread or gone
  }
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    // gone
  }
  return `${exe} ${cmdline}`;
}

describe.skipIf(!isRoot)('lifecycle (needs root)', () => {
  it('create → state created, pid file, init not parented by ocirt → start → running → kill → stopped → delete', () => {
    const { id, bundle, pidFile, r } = createContainer('echo started; exec sleep 1000');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // create prints nothing of its own on stdout, and the process has not run yet
    expect(r.out()).toBe('');

    const created = stateOf(scope.root, id);
    expect(created.status).toBe('created');
    expect(created.id).toBe(id);
    expect(created.bundle).toBe(bundle.dir);
    expect(created.pid).toBeGreaterThan(0);
    expect(created.rootfs).toBe(bundle.rootfs);
    expect(created.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(created.ociVersion).toMatch(/^1\.\d+\.\d+/);
    const pidText = fs.readFileSync(pidFile, 'utf8');
    expect(pidText).toMatch(/^[0-9]+$/);
    expect(Number(pidText)).toBe(created.pid);

    // The init's host parent is whoever adopted it, never an ocirt process.
    const ppid = Number(procStatusField(created.pid, 'PPid'));
    expect(ppid).toBeGreaterThan(0);
    const parent = describeProcess(ppid);
    expect(parent).not.toMatch(/ocirt-init/);
    expect(parent).not.toMatch(/dist\/bundle\/main\.js|bin\/ocirt/);

    const start = scope.ocirt(['start', id]);
    expect(start.stderr).toBe('');
    expect(start.status).toBe(0);
    const running = stateOf(scope.root, id);
    expect(running.status).toBe('running');
    expect(running.pid).toBe(created.pid);

    // The start released the process: its output arrives on create's stdout.
    expect(waitForOutput(r.out, 'started\n')).toBe('started\n');

    const kill = scope.ocirt(['kill', id, '9']);
    expect(kill.stderr).toBe('');
    expect(kill.status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    const stopped = stateOf(scope.root, id);
    expect(stopped.pid).toBe(0);

    const del = scope.ocirt(['delete', id]);
    expect(del.stderr).toBe('');
    expect(del.status).toBe(0);
    expectCleanError(scope.ocirt(['state', id]), 'container does not exist');
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    expect(scope.leftovers()).toEqual([]);
  });

  it('no ocirt process keeps the container\'s stdio open: the engine sees EOF when the container exits', async () => {
    const id = scope.id('eof');
    const bundle = scope.bundle(sh('echo line-one; echo line-two'));
    const child = spawn(OCIRT, ['--root', scope.root, 'create', '--bundle', bundle.dir, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const eof = new Promise<void>((resolve) => child.stdout.on('close', () => resolve()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(await exited).toBe(0);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    // EOF comes once the last holder of the pipe, the container's process, has exited
    const closed = await Promise.race([eof.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
    expect(closed).toBe(true);
    expect(out).toBe('line-one\nline-two\n');
    expect(scope.ocirt(['delete', id]).status).toBe(0);
  });

  for (const signal of ['KILL', 'SIGKILL', '9']) {
    it(`kill ${signal} stops a running container`, () => {
      const { id, r } = createContainer('exec sleep 1000');
      expect(r.status).toBe(0);
      expect(scope.ocirt(['start', id]).status).toBe(0);
      const k = scope.ocirt(['kill', id, signal]);
      expect(k.stderr).toBe('');
      expect(k.status).toBe(0);
      expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
      expect(scope.ocirt(['delete', id]).status).toBe(0);
    });
  }

  it('kill without a signal sends TERM', () => {
    // The container's init only dies of TERM because it handles it (pid 1 of a pid
    // namespace ignores signals it has no handler for).
    const { id, r } = createContainer('trap "echo got-TERM; exit 0" TERM; echo ready; while :; do sleep 1; done');
    expect(r.status).toBe(0);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    expect(waitForOutput(r.out, 'ready\n')).toBe('ready\n');
    const k = scope.ocirt(['kill', id]);
    expect(k.stderr).toBe('');
    expect(k.status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expect(r.out()).toBe('ready\ngot-TERM\n');
    expect(scope.ocirt(['delete', id]).status).toBe(0);
  });

  it('kill of an unknown signal name fails and the container keeps running', () => {
    const { id, r } = createContainer('exec sleep 1000');
    expect(r.status).toBe(0);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    expectCleanError(scope.ocirt(['kill', id, 'NOSUCHSIG']), 'unknown signal');
    expect(stateOf(scope.root, id).status).toBe('running');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });

  it('kill --all signals every process of a container without its own pid namespace', () => {
    const id = scope.id('killall');
    const bundle = scope.bundle(sh('sleep 1000 & echo $!; exec sleep 1000'), (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    });
    const r = ocirtToFiles(scope.root, ['run', '-d', '--bundle', bundle.dir, id], { dir: bundle.dir });
    expect(r.status).toBe(0);
    const background = Number(waitForLine(r.out).trim());
    expect(background).toBeGreaterThan(1);
    expect(processesInCgroupOf(id).sort((a, b) => a - b)).toEqual([background, stateOf(scope.root, id).pid].sort((a, b) => a - b));
    const k = scope.ocirt(['kill', '--all', id, 'KILL']);
    expect(k.stderr).toBe('');
    expect(k.status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expect(waitUntilGone(() => processesInCgroupOf(id))).toEqual([]);
    expect(scope.ocirt(['delete', id]).status).toBe(0);
    expect(scope.leftovers()).toEqual([]);
  });

  it('delete --force kills every process of a container without its own pid namespace', () => {
    const id = scope.id('forceall');
    const bundle = scope.bundle(sh('sleep 1000 & echo $!; exec sleep 1000'), (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    });
    const r = ocirtToFiles(scope.root, ['run', '-d', '--bundle', bundle.dir, id], { dir: bundle.dir });
    expect(r.status).toBe(0);
    const background = Number(waitForLine(r.out).trim());
    expect(background).toBeGreaterThan(1);
    const del = scope.ocirt(['delete', '--force', id]);
    expect(del.stderr).toBe('');
    expect(del.status).toBe(0);
    expect(['Z', 'X', undefined]).toContain(procStatusField(background, 'State')?.[0]);
    expect(scope.leftovers()).toEqual([]);
  });

  it('kill of a created container stops it without running its process', () => {
    const { id, r } = createContainer('echo must-not-run');
    expect(r.status).toBe(0);
    const k = scope.ocirt(['kill', id, 'KILL']);
    expect(k.stderr).toBe('');
    expect(k.status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expectCleanError(scope.ocirt(['start', id]), 'cannot start a container that has stopped');
    expect(scope.ocirt(['delete', id]).status).toBe(0);
    expect(r.out()).toBe('');
  });

  it('of several creates of one id started at once, exactly one wins', async () => {
    const id = scope.id('race');
    const bundles = [0, 1, 2, 3].map(() => scope.bundle(sh('exec sleep 1000')));
    const results = await Promise.all(bundles.map((b) => ocirtToFilesAsync(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir })));
    const winners = results.filter((r) => r.status === 0);
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 0)) expect(r.stderr).toContain(`container with id ${id} already exists`);
    const st = stateOf(scope.root, id);
    expect(st.status).toBe('created');
    expect(bundles.map((b) => b.dir)).toContain(st.bundle);
    expect(scope.ocirt(['delete', id]).status).toBe(0);
    expect(scope.leftovers()).toEqual([]);
  });

  it('delete of a created (never started) container kills its init and cleans up', () => {
    const { id, r } = createContainer('echo must-not-run');
    expect(r.status).toBe(0);
    const { pid } = stateOf(scope.root, id);
    expect(pidExists(pid)).toBe(true);
    const del = scope.ocirt(['delete', id]);
    expect(del.stderr).toBe('');
    expect(del.status).toBe(0);
    // The init is gone (or a zombie its adopter has not reaped yet).
    expect(['Z', 'X', undefined]).toContain(procStatusField(pid, 'State')?.[0]);
    expect(scope.ocirt(['state', id]).stderr).toContain('container does not exist');
    expect(r.out()).toBe('');
    expect(scope.leftovers()).toEqual([]);
  });

  it('delete of a running container fails without --force and succeeds with it', () => {
    const { id, r } = createContainer('exec sleep 1000');
    expect(r.status).toBe(0);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    expectCleanError(scope.ocirt(['delete', id]), /running/);
    expect(stateOf(scope.root, id).status).toBe('running');
    const force = scope.ocirt(['delete', '--force', id]);
    expect(force.stderr).toBe('');
    expect(force.status).toBe(0);
    expect(scope.ocirt(['state', id]).stderr).toContain('container does not exist');
    expect(scope.leftovers()).toEqual([]);
  });

  it('start of a running container fails', () => {
    const { id, r } = createContainer('exec sleep 1000');
    expect(r.status).toBe(0);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    expectCleanError(scope.ocirt(['start', id]), /running/);
    expect(stateOf(scope.root, id).status).toBe('running');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });

  it('start and kill of a stopped container fail', () => {
    const { id, r } = createContainer('exit 0');
    expect(r.status).toBe(0);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expectCleanError(scope.ocirt(['start', id]), 'cannot start a container that has stopped');
    expectCleanError(scope.ocirt(['kill', id, 'KILL']), 'container not running');
    const del = scope.ocirt(['delete', id]);
    expect(del.stderr).toBe('');
    expect(del.status).toBe(0);
  });

  it('a second create with the same id fails and leaves the first container alone', () => {
    const first = createContainer('exec sleep 1000');
    expect(first.r.status).toBe(0);
    const before = stateOf(scope.root, first.id);
    const bundle = scope.bundle(sh('echo second'));
    const second = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, first.id], { dir: bundle.dir });
    expectCleanError(second, `container with id ${first.id} already exists`);
    const after = stateOf(scope.root, first.id);
    expect(after.status).toBe('created');
    expect(after.pid).toBe(before.pid);
    expect(after.bundle).toBe(first.bundle.dir);
    expect(scope.ocirt(['delete', first.id]).status).toBe(0);
  });

  it('state, kill, start and delete of an unknown container say it does not exist', () => {
    const id = scope.id('nosuch');
    for (const args of [['state', id], ['start', id], ['kill', id, 'KILL'], ['delete', id]]) {
      expectCleanError(scope.ocirt(args), 'container does not exist');
    }
    // delete --force of what does not exist is not an error (engines retry deletes)
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });

  it('list shows containers as a table, as JSON and as bare ids', () => {
    const a = createContainer('exec sleep 1000');
    const b = createContainer('exec sleep 1000');
    expect(a.r.status).toBe(0);
    expect(b.r.status).toBe(0);
    expect(scope.ocirt(['start', b.id]).status).toBe(0);

    const table = scope.ocirt(['list']);
    expect(table.status).toBe(0);
    const rows = lines(table.stdout);
    expect(rows[0].split(/\s+/)).toEqual(['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']);
    const rowOf = (id: string) => rows.find((l) => l.startsWith(`${id} `))?.split(/\s+/);
    expect(rowOf(a.id)?.slice(0, 4)).toEqual([a.id, String(stateOf(scope.root, a.id).pid), 'created', a.bundle.dir]);
    expect(rowOf(b.id)?.slice(0, 4)).toEqual([b.id, String(stateOf(scope.root, b.id).pid), 'running', b.bundle.dir]);

    const json = scope.ocirt(['list', '--format', 'json']);
    expect(json.status).toBe(0);
    const entries = JSON.parse(json.stdout) as Array<{ id: string; status: string; pid: number; bundle: string }>;
    const byId = new Map(entries.map((e) => [e.id, e]));
    expect(byId.get(a.id)).toMatchObject({ status: 'created', bundle: a.bundle.dir });
    expect(byId.get(b.id)).toMatchObject({ status: 'running', bundle: b.bundle.dir });

    const quiet = scope.ocirt(['list', '-q']);
    expect(quiet.status).toBe(0);
    expect(lines(quiet.stdout)).toEqual([a.id, b.id].sort());

    expect(scope.ocirt(['delete', '--force', a.id]).status).toBe(0);
    expect(scope.ocirt(['delete', '--force', b.id]).status).toBe(0);
    expect(lines(scope.ocirt(['list', '-q']).stdout)).toEqual([]);
    expect(JSON.parse(scope.ocirt(['list', '--format', 'json']).stdout)).toEqual([]);
  });

  it('a stopped container is listed as stopped with pid 0', () => {
    const { id, r } = createContainer('exit 0');
    expect(r.status).toBe(0);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    const entries = JSON.parse(scope.ocirt(['list', '--format', 'json']).stdout) as Array<{ id: string; status: string; pid: number }>;
    expect(entries.find((e) => e.id === id)).toMatchObject({ status: 'stopped', pid: 0 });
    expect(scope.ocirt(['delete', id]).status).toBe(0);
  });
});

describe.skipIf(!isRoot)('run (needs root)', () => {
  it('passes the container output through and exits with its status', () => {
    const id = scope.id('run');
    const r = scope.run(sh('echo out; echo err >&2; exit 3'), undefined, [], id);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    expect(r.status).toBe(3);
    // run deletes the container once it has exited
    expect(scope.ocirt(['state', id]).stderr).toContain('container does not exist');
    expect(scope.leftovers()).toEqual([]);
  });

  it('exits 0 when the container does', () => {
    const r = scope.run(sh('echo fine'));
    expect(r.stdout).toBe('fine\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('exits 128+n when the container is killed by signal n', async () => {
    const id = scope.id('run-killed');
    const bundle = scope.bundle(sh('echo up; exec sleep 1000'));
    const bg = ocirtBackground(scope.root, ['run', '--bundle', bundle.dir, id]);
    expect(waitForStatus(scope.root, id, 'running')).toBe('running');
    const k = scope.ocirt(['kill', id, 'KILL']);
    expect(k.status).toBe(0);
    const r = await bg.done;
    expect(r.stdout).toBe('up\n');
    expect(r.status).toBe(128 + 9);
    expect(scope.ocirt(['state', id]).stderr).toContain('container does not exist');
  });

  it('run -d returns once started; the container keeps running', () => {
    const id = scope.id('run-d');
    const bundle = scope.bundle(sh('echo detached; exec sleep 1000'));
    const pidFile = path.join(bundle.dir, 'pid');
    const r = ocirtToFiles(scope.root, ['run', '-d', '--pid-file', pidFile, '--bundle', bundle.dir, id], { dir: bundle.dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const st = stateOf(scope.root, id);
    expect(st.status).toBe('running');
    expect(fs.readFileSync(pidFile, 'utf8')).toBe(String(st.pid));
    expect(waitForOutput(r.out, 'detached\n')).toBe('detached\n');
    // still running after the output: it was not waited for
    expect(stateOf(scope.root, id).status).toBe('running');
    expect(scope.ocirt(['kill', id, 'KILL']).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expect(scope.ocirt(['delete', id]).status).toBe(0);
  });

  it('run of an id that exists fails without touching the existing container', () => {
    const { id, r } = createContainer('exec sleep 1000');
    expect(r.status).toBe(0);
    const again = scope.run(sh('echo no'), undefined, [], id);
    expectCleanError(again, `container with id ${id} already exists`);
    expect(again.stdout).toBe('');
    expect(stateOf(scope.root, id).status).toBe('created');
    expect(scope.ocirt(['delete', id]).status).toBe(0);
  });
});

/** Waits (bounded) until the output file holds `expected`; returns what it holds. */
function waitForOutput(read: () => string, expected: string, limitMs = 20_000): string {
  const until = Date.now() + limitMs;
  for (;;) {
    const text = read();
    if (text === expected || Date.now() > until) return text;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/** Polls `list` until it returns an empty array (bounded); returns the last result. */
function waitUntilGone<T>(list: () => T[], limitMs = 20_000): T[] {
  const until = Date.now() + limitMs;
  for (;;) {
    const now = list();
    if (now.length === 0 || Date.now() > until) return now;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/** Waits (bounded) until the output holds a complete line; returns what it holds. */
function waitForLine(read: () => string, limitMs = 20_000): string {
  const until = Date.now() + limitMs;
  for (;;) {
    const text = read();
    if (text.includes('\n') || Date.now() > until) return text;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}
