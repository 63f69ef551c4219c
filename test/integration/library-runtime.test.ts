// The library API (dist/index.js, as a package user gets it): Runtime's whole lifecycle
// in-process, 50 containers at once, and that nothing process-wide changes unless asked.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type * as Ocirt from '../../src/index';
import { TestScope, sh } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';

const DIST = path.resolve(__dirname, '../../dist/index.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require(DIST) as typeof Ocirt;

const scope = new TestScope();
const rt = new lib.Runtime({ root: scope.root, subreaper: true, warn: () => {} });

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** Children of this process that are zombies (an init nobody reaped). */
function zombieChildren(): number[] {
  const found: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${e}/stat`, 'latin1');
    } catch {
      continue;
    }
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' && Number(rest[1]) === process.pid) found.push(Number(e));
  }
  return found;
}

describe.runIf(isRoot)('library: Runtime (needs root)', () => {
  it('50 containers run at once from one program: every exit status and output is its own, nothing is left', async () => {
    const n = 50;
    const bundles = Array.from({ length: n }, (_, i) => scope.bundle(sh(`echo out-${i}; echo err-${i} >&2; sleep 0.$((${i} % 5)); exit $((${i} % 7))`)));
    const ids = bundles.map(() => scope.id('lib50'));
    const results = await Promise.all(ids.map((id, i) => rt.run(id, { bundle: bundles[i].dir, stdio: ['ignore', 'pipe', 'pipe'] })));
    results.forEach((r, i) => {
      expect({ i, code: r.code, signal: r.signal, exitCode: r.exitCode, out: r.stdout?.toString(), err: r.stderr?.toString() }).toEqual({
        i,
        code: i % 7,
        signal: null,
        exitCode: i % 7,
        out: `out-${i}\n`,
        err: `err-${i}\n`,
      });
    });
    expect(rt.list()).toEqual([]);
    expect(scope.leftovers()).toEqual([]);
    expect(zombieChildren()).toEqual([]);
  });

  it('pending waits hold no thread: with more containers waited for than libuv has pool threads, fs.promises still works', async () => {
    // Each container blocks until its stdin gets a line, so every wait stays pending.
    const n = 8; // libuv's pool has 4 threads unless UV_THREADPOOL_SIZE says otherwise
    const ids = Array.from({ length: n }, () => scope.id('libwait'));
    const containers = await Promise.all(ids.map((id) => rt.create(id, { bundle: scope.bundle(sh('read x; exit 7')).dir, stdio: ['pipe', 'ignore', 'inherit'] })));
    await Promise.all(ids.map((id) => rt.start(id)));
    const waits = ids.map((id) => rt.wait(id));
    const text = await Promise.race([
      fs.promises.readFile('/proc/self/status', 'utf8'),
      new Promise<string>((resolve) => setTimeout(() => resolve('pool blocked'), 20_000)),
    ]);
    expect(text).toMatch(/^Name:/);
    for (const c of containers) c.stdin!.end('go\n');
    expect(await Promise.all(waits)).toEqual(ids.map(() => ({ code: 7, signal: null })));
    await Promise.all(ids.map((id) => rt.delete(id)));
    expect(zombieChildren()).toEqual([]);
  });

  it('create, state, exec with piped stdio, pause/resume, update, stats, events, kill, wait, delete', async () => {
    const id = scope.id('lib');
    const b = scope.bundle(sh('echo started; exec sleep 1000'));
    const c = await rt.create(id, { bundle: b.dir, stdio: ['ignore', 'pipe', 'inherit'] });
    expect(rt.state(id)).toMatchObject({ id, status: 'created', pid: c.pid, bundle: b.dir });
    expect(rt.list().map((e) => [e.id, e.status])).toEqual([[id, 'created']]);
    await rt.start(id);
    expect(rt.state(id).status).toBe('running');
    const first = await new Promise<string>((resolve) => c.stdout!.once('data', (d: Buffer) => resolve(d.toString())));
    expect(first).toBe('started\n');

    const ex = await rt.exec(id, { args: ['sh', '-c', 'read line; echo "got $line"; echo oops >&2; exit 4'] }, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    ex.stdout!.on('data', (d: Buffer) => (out += d));
    ex.stderr!.on('data', (d: Buffer) => (err += d));
    ex.stdin!.end('hello\n');
    expect(await ex.wait()).toEqual({ code: 4, signal: null });
    await new Promise((r) => ex.stdout!.once('close', r));
    expect(out).toBe('got hello\n');
    expect(err).toBe('oops\n');

    rt.pause(id);
    expect(rt.state(id).status).toBe('paused');
    rt.resume(id);
    expect(rt.state(id).status).toBe('running');

    rt.update(id, { pids: { limit: 321 } });
    const stats = rt.stats(id);
    expect(stats.pids?.limit).toBe(321n);
    expect(Number(stats.pids?.current)).toBeGreaterThanOrEqual(1);

    const events: Ocirt.ContainerEvent[] = [];
    for await (const e of rt.events(id, { intervalMs: 50 })) {
      events.push(e);
      if (events.length === 2) break;
    }
    expect(events.map((e) => [e.type, e.id])).toEqual([['stats', id], ['stats', id]]);

    const waited = rt.wait(id);
    rt.kill(id, 'KILL');
    expect(await waited).toEqual({ code: null, signal: 9 });
    expect(rt.state(id).status).toBe('stopped');
    await rt.delete(id);
    expect(rt.list()).toEqual([]);
    expect(zombieChildren()).toEqual([]);
  });

  it('a container deleted without being waited for is reaped all the same', async () => {
    const id = scope.id('lib');
    const b = scope.bundle(sh('exec sleep 1000'));
    await rt.create(id, { bundle: b.dir });
    await rt.start(id);
    await rt.delete(id, { force: true });
    expect(zombieChildren()).toEqual([]);
    expect(scope.leftovers()).toEqual([]);
  });

  it('errors are OcirtErrors: a bad config names its JSON pointer and creates nothing; an unknown id', async () => {
    const id = scope.id('lib');
    const b = scope.bundle(sh('true'), (s) => {
      s.process!.rlimits = [{ type: 'NOFILE' as never, hard: 1, soft: 1 }];
    });
    const err = await rt.create(id, { bundle: b.dir }).then(() => undefined, (e: unknown) => e);
    expect(lib.isOcirtError(err)).toBe(true);
    expect(err).toBeInstanceOf(lib.OcirtError);
    expect((err as Ocirt.OcirtError).pointer).toBe('/process/rlimits/0/type');
    expect((err as Ocirt.OcirtError).message).toMatch(new RegExp(`^create ${id}: .*/process/rlimits/0/type`));
    expect(rt.list()).toEqual([]);

    let e2: unknown;
    try {
      rt.state('no-such-container');
    } catch (e) {
      e2 = e;
    }
    expect(lib.isOcirtError(e2)).toBe(true);
    expect((e2 as Error).message).toMatch(/^state no-such-container: .*does not exist/);
  });

  it('validate and spec, as the CLI\'s', () => {
    const b = scope.bundle(['/bin/no-such-binary']);
    const report = rt.validate(b.dir);
    expect(report.problems.map((p) => p.pointer)).toEqual(['/process/args/0']);
    const spec = rt.spec({ args: ['sh'] });
    expect(spec.process?.args).toEqual(['sh']);
    expect(spec.root?.path).toBe('rootfs');
  });

  it('nothing process-wide unless asked: a Runtime without subreaper leaves the program as it was, and refuses to wait', () => {
    const b = scope.bundle(sh('exit 0'));
    const id = scope.id('lib');
    const program = `
      const { Runtime } = require(${JSON.stringify(DIST)});
      const native = require(${JSON.stringify(path.resolve(__dirname, '../../addon/build/Release/ocirt.node'))});
      (async () => {
        const rt = new Runtime({ root: ${JSON.stringify(scope.root)} });
        const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s));
        const err = await rt.run(${JSON.stringify(id)}, { bundle: ${JSON.stringify(b.dir)} }).then(() => 'ran', (e) => e.message);
        await rt.create(${JSON.stringify(id)}, { bundle: ${JSON.stringify(b.dir)} });
        await rt.start(${JSON.stringify(id)});
        const waitErr = await rt.wait(${JSON.stringify(id)}).then(() => 'waited', (e) => e.message);
        await rt.delete(${JSON.stringify(id)}, { force: true });
        console.log(JSON.stringify({ subreaper: native.isChildSubreaper(), signals, err, waitErr, left: rt.list().length }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const r = spawnSync(process.execPath, ['-e', program], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      subreaper: false,
      signals: [0, 0, 0],
      err: expect.stringMatching(/^run .*: waiting for a container's process needs this process to be a child subreaper/),
      waitErr: expect.stringMatching(/^wait .*: waiting for a container's process needs this process to be a child subreaper/),
      left: 0,
    });
  });

  it('forwardSignals: a signal to the program reaches the container while run waits, and the handlers are gone after', () => {
    const b = scope.bundle(sh('trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.05; done'));
    const id = scope.id('lib');
    const program = `
      const { Runtime } = require(${JSON.stringify(DIST)});
      (async () => {
        const rt = new Runtime({ root: ${JSON.stringify(scope.root)}, subreaper: true });
        const r = await rt.run(${JSON.stringify(id)}, {
          bundle: ${JSON.stringify(b.dir)}, stdio: ['ignore', 'pipe', 'inherit'], forwardSignals: true,
          onStdio: (s) => s.stdout.on('data', (d) => { process.stdout.write(d); if (String(d).includes('ready')) process.kill(process.pid, 'SIGTERM'); }),
        });
        console.log(JSON.stringify({ code: r.code, after: process.listenerCount('SIGTERM') }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const r = spawnSync(process.execPath, ['-e', program], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(['ready', 'got-term']);
    expect(JSON.parse(lines[2])).toEqual({ code: 42, after: 0 });
  });
});
