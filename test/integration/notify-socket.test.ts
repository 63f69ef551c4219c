// NOTIFY_SOCKET pass-through (systemd Type=notify units, podman --sdnotify=container):
// with NOTIFY_SOCKET set, create/run give the container a socket of its own at
// /run/notify/notify.sock, and start/run forward its READY=1 to the caller's socket with
// MAINPID and an sd_notify_barrier, as runc does. sd-listen stands in for systemd.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestBundle } from '../helpers/bundle';
import { expectCleanError, lines, ocirtToFiles, stateOf, TestScope } from '../helpers/containers';
import { host, itNeeds } from '../helpers/host-capabilities';
import { installSdSend, type NotifyListener, startListener } from '../helpers/notify-tools';
import { isRoot, OCIRT } from '../helpers/ocirt-cli';

const scope = new TestScope();
let listener: NotifyListener;

beforeEach(() => {
  listener = startListener(scope.scratch('ocirt-notify-'));
});
afterEach(() => {
  listener.stop();
  scope.reset();
});
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** The environment of ocirt: the caller's NOTIFY_SOCKET, or none at all. */
function callerEnv(socket?: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NOTIFY_SOCKET;
  if (socket) env.NOTIFY_SOCKET = socket;
  return env;
}

function bundle(script: string): TestBundle {
  const b = scope.bundle(['sh', '-c', script]);
  installSdSend(b.rootfs);
  return b;
}

/** The /run/notify line of a process's mountinfo: its mount options, or undefined. */
function notifyMountOptions(pid: number): string | undefined {
  const line = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === '/run/notify');
  return line?.split(' ')[5];
}

const READY_SCRIPT = 'echo "env=$NOTIFY_SOCKET"; sd-send STATUS=starting; sd-send READY=1; exec sleep 1000';

describe.skipIf(!isRoot)('NOTIFY_SOCKET (needs root)', () => {
  it('run -d returns once the container said READY=1; the caller gets READY=1, MAINPID (the init) and a barrier', () => {
    const b = bundle(READY_SCRIPT);
    const id = scope.id('nd');
    const r = ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { env: callerEnv(listener.socket), dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    const { pid } = stateOf(scope.root, id);
    // Only the READY line is forwarded (STATUS= is dropped, as runc drops it).
    expect(listener.lines()).toEqual(['READY=1\\n', `MAINPID=${pid}\\n`, 'BARRIER=1 +fd']);
    expect(r.out()).toContain('env=/run/notify/notify.sock');
    // The container's own socket directory, read-only and without suid, devices or exec.
    expect(notifyMountOptions(pid)?.split(',').sort()).toEqual(['nodev', 'noexec', 'nosuid', 'relatime', 'ro']);
    expect(fs.statSync(path.join(scope.root, id, 'notify', 'notify.sock')).mode & 0o777).toBe(0o777);
  });

  it('create sets the socket up; start waits for READY=1 and forwards it; a bad NOTIFY_SOCKET fails start before the process runs', () => {
    const b = bundle(READY_SCRIPT);
    const id = scope.id('ns');
    const created = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { env: callerEnv(listener.socket), dir: b.dir });
    expect(created.status, created.err()).toBe(0);
    expect(fs.statSync(path.join(scope.root, id, 'notify')).isDirectory()).toBe(true);
    expect(listener.lines()).toEqual([]);

    const missing = path.join(path.dirname(listener.socket), 'missing.sock');
    const bad = spawnSync(OCIRT, ['--root', scope.root, 'start', id], { encoding: 'utf8', env: callerEnv(missing) });
    expectCleanError({ status: bad.status, stderr: bad.stderr }, `start ${id}: connect to NOTIFY_SOCKET ${missing}: ENOENT`);
    expect(stateOf(scope.root, id).status).toBe('created');

    const started = spawnSync(OCIRT, ['--root', scope.root, 'start', id], { encoding: 'utf8', env: callerEnv(listener.socket) });
    expect(started.status, started.stderr).toBe(0);
    const { pid, status } = stateOf(scope.root, id);
    expect(status).toBe('running');
    expect(listener.lines()).toEqual(['READY=1\\n', `MAINPID=${pid}\\n`, 'BARRIER=1 +fd']);
  });

  it('a foreground run forwards READY=1 with MAINPID of ocirt itself, the process that stays', async () => {
    const b = bundle('sd-send READY=1 && echo sent');
    const id = scope.id('nf');
    const child = spawn(OCIRT, ['--root', scope.root, 'run', '--bundle', b.dir, id], { env: callerEnv(listener.socket), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, err).toBe(0);
    expect(lines(out)).toEqual(['sent']);
    expect(listener.lines()).toEqual(['READY=1\\n', `MAINPID=${child.pid}\\n`, 'BARRIER=1 +fd']);
  });

  it('a container that ends without READY: start and run return, nothing is forwarded', () => {
    const b = bundle('exit 3');
    const id = scope.id('nx');
    expect(ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { env: callerEnv(listener.socket), dir: b.dir }).status).toBe(0);
    const started = spawnSync(OCIRT, ['--root', scope.root, 'start', id], { encoding: 'utf8', env: callerEnv(listener.socket), timeout: 60_000 });
    expect(started.status, started.stderr).toBe(0);
    const ran = spawnSync(OCIRT, ['--root', scope.root, 'run', '--bundle', b.dir, scope.id('nx')], { encoding: 'utf8', env: callerEnv(listener.socket), timeout: 60_000 });
    expect(ran.status, ran.stderr).toBe(3);
    expect(listener.lines()).toEqual([]);
  });

  it('without NOTIFY_SOCKET nothing changes; a container created without one starts as usual with one', () => {
    const b = bundle('echo "env=${NOTIFY_SOCKET-none}"; exec sleep 1000');
    const id = scope.id('nn');
    const created = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { env: callerEnv(), dir: b.dir });
    expect(created.status, created.err()).toBe(0);
    expect(fs.existsSync(path.join(scope.root, id, 'notify'))).toBe(false);
    const { pid } = stateOf(scope.root, id);
    expect(notifyMountOptions(pid)).toBeUndefined();
    const started = spawnSync(OCIRT, ['--root', scope.root, 'start', id], { encoding: 'utf8', env: callerEnv(listener.socket), timeout: 60_000 });
    expect(started.status, started.stderr).toBe(0);
    expect(stateOf(scope.root, id).status).toBe('running');
    expect(listener.lines()).toEqual([]);
    const ran = spawnSync(OCIRT, ['--root', scope.root, 'exec', id, 'sh', '-c', 'echo "${NOTIFY_SOCKET-none}"; ls /run/notify 2>&1 || true'], { encoding: 'utf8', env: callerEnv() });
    expect(lines(ran.stdout)[0]).toBe('none');
  });

  itNeeds(host.runc)('the container and the caller see what they see with runc', () => {
    const b = bundle(READY_SCRIPT);
    const runcRoot = scope.scratch('ocirt-notify-runc-');
    const seen = (runtime: string, root: string, id: string) => {
      const before = listener.lines().length;
      const r = spawnSync(runtime, ['--root', root, 'run', '-d', '--bundle', b.dir, id], { env: callerEnv(listener.socket), stdio: 'ignore', timeout: 60_000 });
      expect(r.status).toBe(0);
      const state = JSON.parse(spawnSync(runtime, ['--root', root, 'state', id], { encoding: 'utf8' }).stdout) as { pid: number };
      const env = fs.readFileSync(`/proc/${state.pid}/environ`, 'utf8').split('\0').filter((e) => e.startsWith('NOTIFY_SOCKET='));
      // runc 1.1 sends no BARRIER=1 (runc 1.2 does): the first two lines are compared.
      const got = listener.lines().slice(before, before + 2).map((l) => l.replace(`=${state.pid}\\n`, '=<init>\\n'));
      return { env, mount: notifyMountOptions(state.pid), got };
    };
    const runcId = scope.id('nr');
    let runc;
    try {
      runc = seen('runc', runcRoot, runcId);
    } finally {
      spawnSync('runc', ['--root', runcRoot, 'delete', '--force', runcId]);
    }
    const ours = seen(OCIRT, scope.root, scope.id('nr'));
    expect(ours).toEqual(runc);
    expect(ours.got).toEqual(['READY=1\\n', 'MAINPID=<init>\\n']);
  });
});
