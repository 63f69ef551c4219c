// --debug: what is done at each stage, in runc's logrus shape, to --log when given and
// to stderr otherwise; nothing at all without --debug.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestScope, lines, ocirtToFiles, sh, waitForStatus } from '../helpers/containers';
import { host, itNeeds } from '../helpers/host-capabilities';
import { isRoot } from '../helpers/ocirt-cli';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** logrus's text line: time="RFC 3339 UTC" level=debug msg="..." */
const TEXT_LINE = /^time="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)" level=debug msg=("(?:[^"\\]|\\.)*")$/;

/** The messages of text debug lines; fails on any other line. */
function textMessages(text: string): string[] {
  return lines(text).map((l) => {
    const m = TEXT_LINE.exec(l);
    expect(m, `not a logrus debug line: ${l}`).not.toBeNull();
    expect(Number.isNaN(Date.parse(m![1]))).toBe(false);
    return JSON.parse(m![2]) as string;
  });
}

/** The messages of JSON debug lines; fails on any line that is not {"level":"debug","msg","time"}. */
function jsonMessages(text: string): string[] {
  return lines(text).map((l) => {
    const e = JSON.parse(l) as Record<string, string>;
    expect(Object.keys(e).sort()).toEqual(['level', 'msg', 'time']);
    expect(e.level).toBe('debug');
    expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    return e.msg;
  });
}

function expectSome(messages: string[], pattern: RegExp): void {
  expect(messages.some((m) => pattern.test(m)), `no debug message matches ${pattern}:\n${messages.join('\n')}`).toBe(true);
}

/** A hook script appending its name to a file, for a prestart and a poststop hook. */
function hookScript(dir: string): string {
  const file = path.join(dir, 'hook.sh');
  fs.writeFileSync(file, `#!/bin/sh\necho "$1" >> ${path.join(dir, 'hooks.out')}\n`, { mode: 0o755 });
  return file;
}

describe.skipIf(!isRoot)('--debug (needs root)', () => {
  it('run --debug writes a logrus text line per stage to stderr; the container\'s output stays alone on stdout', () => {
    const dir = scope.scratch();
    const hook = hookScript(dir);
    const b = scope.bundle(sh('echo hello'), (s) => {
      s.hooks = { prestart: [{ path: hook, args: ['hook.sh', 'prestart'] }], poststop: [{ path: hook, args: ['hook.sh', 'poststop'] }] };
    });
    const r = scope.ocirt(['--debug', 'run', '--bundle', b.dir, scope.id('dbgrun')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('hello\n');
    const msgs = textMessages(r.stderr);
    expectSome(msgs, /^bundle \/\S+ loaded/);
    expectSome(msgs, /^cgroups: cgroupfs-v1 .*made/);
    expectSome(msgs, /^plan: namespaces new \[[^\]]*mount[^\]]*\].*; \d+ mounts, .*cgroup cgroupfs-v1 /);
    expectSome(msgs, /^ocirt-init\[\d+\]: nsexec container setup/);
    expectSome(msgs, /^ocirt-init\[\d+\]: child process in init\(\): container init forked, namespaces new \[/);
    expectSome(msgs, new RegExp(`^hook: running prestart hook #0 ${hook} `));
    expectSome(msgs, /^ocirt-init\[\d+\]: init: closing the pipe to signal completion/);
    expectSome(msgs, /^container \S+ created: init pid \d+/);
    expectSome(msgs, /^start: container \S+ started/);
    expectSome(msgs, /^run: the container's process exited: status 0/);
    expectSome(msgs, new RegExp(`^hook: running poststop hook #0 ${hook} `));
    expectSome(msgs, /^delete: container \S+ deleted/);
    // In order: nothing is said about a stage before it happened.
    const at = (p: RegExp) => msgs.findIndex((m) => p.test(m));
    expect(at(/^bundle /)).toBeLessThan(at(/^plan: /));
    expect(at(/child process in init/)).toBeLessThan(at(/prestart hook/));
    expect(at(/prestart hook/)).toBeLessThan(at(/closing the pipe/));
    expect(at(/^start: container \S+ started/)).toBeLessThan(at(/^delete: container \S+ deleted/));
    expect(fs.readFileSync(path.join(dir, 'hooks.out'), 'utf8')).toBe('prestart\npoststop\n');
  });

  it('--debug --log F --log-format json: every verb logs JSON debug lines to F and nothing to stderr', () => {
    const id = scope.id('dbgjson');
    const b = scope.bundle(['sleep', '1000']);
    const log = path.join(b.dir, 'debug.json');
    const g = ['--debug', '--log', log, '--log-format', 'json'];
    const create = ocirtToFiles(scope.root, [...g, 'create', '--bundle', b.dir, id], { dir: b.dir });
    expect(create.status, create.err()).toBe(0);
    expect(create.err()).toBe('');
    const afterCreate = jsonMessages(fs.readFileSync(log, 'utf8'));
    expectSome(afterCreate, /^container \S+ created/);
    // start, kill and delete are the verbs the native fast path takes; with --debug they are Node's.
    for (const args of [['start', id], ['exec', id, 'true'], ['kill', id, 'KILL']]) {
      const r = scope.ocirt([...g, ...args]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    const del = scope.ocirt([...g, 'delete', id]);
    expect(del.status, del.stderr).toBe(0);
    expect(del.stderr).toBe('');
    const msgs = jsonMessages(fs.readFileSync(log, 'utf8'));
    expectSome(msgs, /^start: the init took the exec fifo/);
    expectSome(msgs, /^exec: container \S+ is running, init pid \d+; process \["true"\].* joins new \[\] joined \[.*mount=\/proc\/\d+\/ns\/mnt/);
    expectSome(msgs, /^exec: child process in init\(\): process pid \d+ entered the container's namespaces; setns_init: about to exec/);
    expectSome(msgs, /^exec: process pid \d+ exited: status 0/);
    expectSome(msgs, /^kill: container \S+ is running; signal 9 to init pid \d+/);
    expectSome(msgs, /^delete: init killed if it was alive; cgroup cgroupfs-v1 /);
    expectSome(msgs, /^delete: container \S+ deleted/);
  });

  it('--debug --log F with the default format writes text lines to F, none to stderr', () => {
    const id = scope.id('dbgtext');
    const b = scope.bundle(sh('echo to-stdout'));
    const log = path.join(b.dir, 'debug.log');
    const r = scope.ocirt(['--debug', '--log', log, 'run', '--bundle', b.dir, id]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('to-stdout\n');
    const msgs = textMessages(fs.readFileSync(log, 'utf8'));
    expectSome(msgs, /nsexec container setup/);
    expectSome(msgs, /child process in init\(\)/);
    expectSome(msgs, /init: closing the pipe to signal completion/);
  });

  it('--debug --log-format json without --log writes JSON lines to stderr', () => {
    const b = scope.bundle(sh('true'));
    const d = scope.ocirt(['--debug', '--log-format', 'json', 'run', '--bundle', b.dir, scope.id('dbgjsonerr')]);
    expect(d.status, d.stderr).toBe(0);
    expectSome(jsonMessages(d.stderr), /^plan: namespaces /);
  });

  itNeeds(host.userNamespaces)('with a user namespace, --debug says which id maps were written', () => {
    const b = scope.bundle(sh('true'), (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    });
    execFileSync('chown', ['-R', '100000:200000', b.rootfs]);
    fs.chmodSync(b.dir, 0o755);
    const d = scope.ocirt(['--debug', 'run', '--bundle', b.dir, scope.id('dbguserns')]);
    expect(d.status, d.stderr).toBe(0);
    const msgs = textMessages(d.stderr);
    expectSome(msgs, /^ocirt-init\[\d+\]: user namespace made; id maps written: uid 0:100000:65536 gid 0:200000:65536$/);
    expectSome(msgs, /namespaces new \[[^\]]*user[^\]]*\]/);
  });

  it('without --debug nothing more is written: no stderr, and --log gets no debug line', () => {
    const id = scope.id('nodbg');
    const b = scope.bundle(['sleep', '1000']);
    const log = path.join(b.dir, 'quiet.log');
    const g = ['--log', log];
    const create = ocirtToFiles(scope.root, [...g, 'create', '--bundle', b.dir, id], { dir: b.dir });
    expect(create.status, create.err()).toBe(0);
    expect(create.err()).toBe('');
    for (const args of [['start', id], ['exec', id, 'true'], ['kill', id, 'KILL']]) {
      const r = scope.ocirt([...g, ...args]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    const del = scope.ocirt([...g, 'delete', id]);
    expect(del.status, del.stderr).toBe(0);
    expect(del.stderr).toBe('');
    expect(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '').toBe('');
    const run = scope.run(sh('echo quiet'), undefined, [], scope.id('nodbgrun'));
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('quiet\n');
  });
});
