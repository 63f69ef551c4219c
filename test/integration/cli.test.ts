// The command line as engines use it: --version, global flags before the verb, the
// --log / --log-format json error log, usage errors.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestScope, expectCleanError, lines, ocirtToFiles, sh, stateOf, waitForStatus } from '../helpers/containers';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';
import { host } from '../helpers/host-capabilities';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** ocirt with exactly these arguments (no --root added). */
function raw(args: string[]) {
  const r = spawnSync(OCIRT, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface LogLine {
  level: string;
  msg: string;
  time: string;
}

function readJsonLog(file: string): LogLine[] {
  if (!fs.existsSync(file)) return [];
  return lines(fs.readFileSync(file, 'utf8')).map((l) => JSON.parse(l) as LogLine);
}

describe('version and help', () => {
  it('--version prints "ocirt version X", "commit: C" (the checkout built) and "spec: 1.x.y", runc\'s shape', () => {
    const r = raw(['--version']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ocirt version \d+\.\d+\.\d+\ncommit: \S+\nspec: 1\.\d+\.\d+\n$/);
    const head = spawnSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' });
    if (head.status === 0) expect(r.stdout).toContain(head.stdout.trim());
  });

  it('-v is the same as --version (as in runc)', () => {
    expect(raw(['-v'])).toEqual(raw(['--version']));
  });

  it('the version flag that --help advertises works', () => {
    const help = raw(['--help']);
    expect(help.status).toBe(0);
    const m = /^\s*(-\w), --version\b/m.exec(help.stdout);
    expect(m, 'help lists a short version flag').not.toBeNull();
    const r = raw([m![1]]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ocirt version /);
  });

  it('--help lists the verbs engines use', () => {
    const r = raw(['--help']);
    expect(r.status).toBe(0);
    for (const verb of ['create', 'start', 'state', 'kill', 'delete', 'run', 'list']) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${verb}\\b`, 'm'));
    }
  });

  it('an unknown verb is a usage error', () => {
    expectCleanError(scope.ocirt(['frobnicate']), 'unknown command');
  });

  it('help for an unknown verb says there is no such topic, as runc does; help for a verb is its help', () => {
    for (const argv of [['foo', '-h'], ['foo', '--help'], ['help', 'foo'], ['-h', 'foo']]) {
      expectCleanError(scope.ocirt(argv), "No help topic for 'foo'");
    }
    for (const argv of [['run', '-h'], ['help', 'run'], ['-h', 'run']]) {
      const r = raw(argv);
      expect(r.status, argv.join(' ')).toBe(0);
      expect(r.stdout, argv.join(' ')).toMatch(/^Usage: ocirt run /);
    }
  });

  it('a missing container id is a usage error', () => {
    expectCleanError(scope.ocirt(['state']), 'container-id');
  });

  it('an unknown option of a verb is a usage error', () => {
    expectCleanError(scope.ocirt(['state', '--bogus', 'x']), '--bogus');
  });

  it('a bad --format for list is reported as a usage error, not an internal error', () => {
    expectCleanError(scope.ocirt(['list', '--format', 'yaml']), '--format must be table or json');
  });
});

describe('errors on stderr and in --log', () => {
  it('an error on a missing container is one clean line', () => {
    expectCleanError(scope.ocirt(['state', scope.id('missing')]), 'container does not exist');
  });

  it('--log-format json appends one {"level","msg","time"} object per error', () => {
    const dir = scope.scratch();
    const log = path.join(dir, 'log.json');
    const id = scope.id('missing');
    const first = scope.ocirt(['--log', log, '--log-format', 'json', 'state', id]);
    expect(first.status).not.toBe(0);
    const second = scope.ocirt(['--log', log, '--log-format', 'json', 'kill', id, 'KILL']);
    expect(second.status).not.toBe(0);
    const entries = readJsonLog(log);
    expect(entries).toHaveLength(2);
    for (const e of entries) {
      expect(Object.keys(e).sort()).toEqual(['level', 'msg', 'time']);
      expect(e.level).toBe('error');
      expect(e.msg).toContain('container does not exist');
      expect(e.msg).not.toMatch(/internal error/);
      // RFC 3339 with a zone, as engines parse it
      expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
      expect(Number.isNaN(Date.parse(e.time))).toBe(false);
    }
  });

  it('the --flag=value forms work for --log and --log-format', () => {
    const log = path.join(scope.scratch(), 'log.json');
    const r = scope.ocirt([`--log=${log}`, '--log-format=json', 'state', scope.id('missing')]);
    expect(r.status).not.toBe(0);
    const entries = readJsonLog(log);
    expect(entries).toHaveLength(1);
    expect(entries[0].level).toBe('error');
  });

  it('--log without a format writes a text line with level=error', () => {
    const log = path.join(scope.scratch(), 'log.txt');
    const r = scope.ocirt(['--log', log, 'state', scope.id('missing')]);
    expect(r.status).not.toBe(0);
    const text = lines(fs.readFileSync(log, 'utf8'));
    expect(text).toHaveLength(1);
    expect(text[0]).toMatch(/level=error/);
    expect(text[0]).toContain('container does not exist');
  });

  it('an invalid --log-format is refused', () => {
    const r = scope.ocirt(['--log-format', 'xml', 'list']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--log-format');
  });
});

describe.skipIf(!isRoot)('global flags as engines pass them (needs root)', () => {
  it('containerd: --root R --log F --log-format json create/start/state/kill/delete', () => {
    const id = scope.id('ctrd');
    const bundle = scope.bundle(sh('echo hello from containerd-style; exec sleep 1000'));
    const log = path.join(bundle.dir, 'log.json');
    const pidFile = path.join(bundle.dir, 'init.pid');
    const g = ['--log', log, '--log-format', 'json'];
    const create = ocirtToFiles(scope.root, [...g, 'create', '--bundle', bundle.dir, '--pid-file', pidFile, id], { dir: bundle.dir });
    expect(create.stderr).toBe('');
    expect(create.status).toBe(0);
    expect(fs.readFileSync(pidFile, 'utf8')).toBe(String(stateOf(scope.root, id).pid));
    expect(scope.ocirt([...g, 'start', id]).status).toBe(0);
    const state = scope.ocirt([...g, 'state', id]);
    expect(state.status).toBe(0);
    expect(JSON.parse(state.stdout).status).toBe('running');
    expect(scope.ocirt([...g, 'kill', id, '9']).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expect(scope.ocirt([...g, 'delete', id]).status).toBe(0);
    expect(readJsonLog(log).filter((e) => e.level === 'error')).toEqual([]);
    expect(create.out()).toBe('hello from containerd-style\n');
  });

  it('podman: --log-format=json --log F, then create with flags of newer runc versions around', () => {
    const id = scope.id('podman');
    const bundle = scope.bundle(sh('echo podman-style'));
    const log = path.join(bundle.dir, 'log.json');
    const r = scope.ocirt([
      '--log-format=json', '--log', log, '--cgroup-manager', 'cgroupfs', '--rootless=false', '--some-future-flag',
      'run', '--bundle', bundle.dir, id,
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('podman-style\n');
    expect(r.status).toBe(0);
    expect(readJsonLog(log).filter((e) => e.level === 'error')).toEqual([]);
  });

  it('--systemd-cgroup (containerd with SystemdCgroup): the systemd driver, or without systemd as PID 1 a clean error as runc gives', () => {
    const bundle = scope.bundle(sh('echo with-systemd-cgroup'));
    const r2 = scope.ocirt(['--systemd-cgroup', 'run', '--bundle', bundle.dir, scope.id('sdcg')]);
    if (host.systemdBooted() === undefined) {
      expect(r2.stderr).toBe('');
      expect(r2.stdout).toBe('with-systemd-cgroup\n');
      expect(r2.status).toBe(0);
    } else {
      // test/vm-guest/systemd-driver.test.ts covers the driver on a systemd host
      expectCleanError(r2, 'the systemd cgroup driver needs systemd as the init system');
    }
  });

  it('a failed create is logged as one JSON error naming the container', () => {
    const id = scope.id('badlog');
    const bundle = scope.bundle(['/no/such/binary']);
    const log = path.join(bundle.dir, 'log.json');
    const r = ocirtToFiles(scope.root, ['--log', log, '--log-format', 'json', 'create', '--bundle', bundle.dir, id], { dir: bundle.dir });
    expect(r.status).not.toBe(0);
    const errors = readJsonLog(log).filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toContain(id);
    expect(errors[0].msg).toMatch(/no such file or directory/);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  });

  it('create prints nothing on stdout (it belongs to the container)', () => {
    const id = scope.id('quiet');
    const bundle = scope.bundle(sh('exit 0'));
    const r = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir });
    expect(r.status).toBe(0);
    expect(r.out()).toBe('');
    expect(scope.ocirt(['delete', id]).status).toBe(0);
  });
});
