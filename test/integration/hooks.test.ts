// OCI hooks: each kind runs at its point with the state on stdin, its args and env
// exactly; a failing or hanging create-time hook fails create cleanly; poststart and
// poststop failures are warnings.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Hook, Spec } from '../../src/spec/types';
import {
  TestScope, cgroupDirsOf, expectCleanError, lines, ocirtToFiles, procStatusField, sh, stateOf, waitForStatus,
} from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const BUSYBOX = '/bin/busybox';

/**
 * A hook run by busybox as `sh -c SCRIPT kind dir` ($0 = kind, $1 = dir): it saves its stdin (the state), its
 * argv and its environment (as the kernel got them: /proc/self opened by the shell
 * itself), its network namespace, and appends its kind to dir/order. busybox picks the
 * applet from argv[0], so the hook only works if argv[0] is passed as configured.
 */
const RECORD = [
  'kind=$0; dir=$1',
  'exec 3</proc/self/cmdline 4</proc/self/environ',
  'cat > "$dir/$kind.state"',
  'cat <&3 > "$dir/$kind.args"',
  'cat <&4 > "$dir/$kind.env"',
  'readlink /proc/self/ns/net > "$dir/$kind.netns"',
  'echo "$kind" >> "$dir/order"',
].join('\n');

const HOOK_ENV = ['PATH=/bin:/usr/bin', 'HOOK_VAR=value with  spaces', 'EMPTY='];

function recordingHook(kind: string, dir: string, extra: Partial<Hook> = {}): Hook {
  return { path: BUSYBOX, args: ['sh', '-c', RECORD, kind, dir], env: HOOK_ENV, ...extra };
}

/** A hook that runs `script` with busybox sh (and records its pid in dir/<name>.pid). */
function scriptHook(name: string, dir: string, script: string, extra: Partial<Hook> = {}): Hook {
  return { path: BUSYBOX, args: ['sh', '-c', `echo $$ > ${dir}/${name}.pid; ${script}`], env: ['PATH=/bin:/usr/bin'], ...extra };
}

function read(dir: string, file: string): string {
  return fs.readFileSync(path.join(dir, file), 'utf8');
}

function readState(dir: string, kind: string): Record<string, unknown> {
  return JSON.parse(read(dir, `${kind}.state`)) as Record<string, unknown>;
}

/** Whether a process with this pid is still running (a zombie counts as gone). */
function running(pid: number): boolean {
  const state = procStatusField(pid, 'State');
  return state !== undefined && !state.startsWith('Z') && !state.startsWith('X');
}

/** Everything `create` must leave behind when it fails: nothing. */
function expectNothingLeft(id: string): void {
  expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  expect(scope.ocirt(['list', '-q']).stdout).toBe('');
  expect(cgroupDirsOf(id)).toEqual([]);
  expect(scope.leftovers()).toEqual([]);
}

describe.skipIf(!isRoot)('hooks (needs root)', () => {
  it('every kind runs once, in order, with the state on stdin and its args and env exactly', () => {
    const log = scope.scratch('ocirt-hooklog-');
    const id = scope.id('hooks');
    const bundle = scope.bundle(sh('echo process >> /hooklog/order'), (s: Spec) => {
      s.mounts!.push({ destination: '/hooklog', type: 'bind', source: log, options: ['bind', 'rw'] });
      s.hooks = {
        prestart: [recordingHook('prestart', log)],
        createRuntime: [recordingHook('createRuntime', log)],
        createContainer: [recordingHook('createContainer', log)],
        // runs inside the container, after pivot_root: the log is at /hooklog there
        startContainer: [recordingHook('startContainer', '/hooklog')],
        poststart: [recordingHook('poststart', log)],
        poststop: [recordingHook('poststop', log)],
      };
      s.annotations = { 'org.example/key': 'value' };
    });

    const create = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir });
    expect(create.stderr).toBe('');
    expect(create.status).toBe(0);
    expect(lines(read(log, 'order'))).toEqual(['prestart', 'createRuntime', 'createContainer']);
    const { pid } = stateOf(scope.root, id);

    const start = scope.ocirt(['start', id]);
    expect(start.stderr).toBe('');
    expect(start.status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    const del = scope.ocirt(['delete', id]);
    expect(del.stderr).toBe('');
    expect(del.status).toBe(0);

    const order = lines(read(log, 'order'));
    expect(order.slice(0, 3)).toEqual(['prestart', 'createRuntime', 'createContainer']);
    expect(order.slice(3, 6).sort()).toEqual(['poststart', 'process', 'startContainer']);
    expect(order.indexOf('startContainer')).toBeLessThan(order.indexOf('process'));
    expect(order[6]).toBe('poststop');
    expect(order).toHaveLength(7);

    for (const kind of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']) {
      const dir = kind === 'startContainer' ? '/hooklog' : log;
      expect(read(log, `${kind}.args`).split('\0'), kind).toEqual(['sh', '-c', RECORD, kind, dir, '']);
      expect(read(log, `${kind}.env`).split('\0'), kind).toEqual([...HOOK_ENV, '']);
      const st = readState(log, kind);
      expect(st.id, kind).toBe(id);
      expect(st.bundle, kind).toBe(bundle.dir);
      expect(st.ociVersion, kind).toMatch(/^1\.\d+\.\d+/);
      expect(st.annotations, kind).toEqual({ 'org.example/key': 'value' });
    }
    for (const kind of ['prestart', 'createRuntime', 'createContainer']) {
      expect(readState(log, kind).status, kind).toBe('creating');
      expect(readState(log, kind).pid, kind).toBe(pid);
    }
    expect(readState(log, 'startContainer').status).toBe('created');
    expect(readState(log, 'poststart').status).toBe('running');
    expect(readState(log, 'poststart').pid).toBe(pid);
    expect(readState(log, 'poststop').status).toBe('stopped');

    // prestart, createRuntime, poststart and poststop run in the runtime's namespaces;
    // createContainer and startContainer in the container's
    const hostNet = fs.readlinkSync('/proc/self/ns/net');
    for (const kind of ['prestart', 'createRuntime', 'poststart', 'poststop']) expect(read(log, `${kind}.netns`).trim(), kind).toBe(hostNet);
    const containerNet = read(log, 'createContainer.netns').trim();
    expect(containerNet).not.toBe(hostNet);
    expect(read(log, 'startContainer.netns').trim()).toBe(containerNet);
  });

  it('hooks of one kind run in the order of the config', () => {
    const log = scope.scratch('ocirt-hooklog-');
    const r = scope.run(sh('true'), (s) => {
      s.hooks = { prestart: ['first', 'second', 'third'].map((k) => recordingHook(k, log)) };
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(read(log, 'order'))).toEqual(['first', 'second', 'third']);
  });

  it('a hook without args gets argv [path] and without env an empty environment', () => {
    const log = scope.scratch('ocirt-hooklog-');
    const script = path.join(log, 'bare-hook');
    fs.writeFileSync(script, `#!${BUSYBOX} sh\nexec 3</proc/self/cmdline 4</proc/self/environ\n${BUSYBOX} cat <&3 > ${log}/args\n${BUSYBOX} cat <&4 > ${log}/env\n`, { mode: 0o755 });
    const r = scope.run(sh('true'), (s) => {
      s.hooks = { prestart: [{ path: script }] };
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // through the #! line: interpreter, its argument, then the script's argv[0] = its path
    expect(read(log, 'args').split('\0')).toEqual([BUSYBOX, 'sh', script, '']);
    expect(read(log, 'env')).toBe('');
  });

  for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
    it(`a failing ${kind} hook fails create with a clear message and leaves nothing behind`, () => {
      const log = scope.scratch('ocirt-hooklog-');
      const id = scope.id(`fail-${kind}`);
      const bundle = scope.bundle(sh('echo must-not-run'), (s) => {
        s.hooks = { [kind]: [{ path: BUSYBOX, args: ['sh', '-c', `cat > ${log}/state; exit 3`] }] };
      });
      const r = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(kind);
      expect(r.stderr).toContain(BUSYBOX);
      expect(r.stderr).toMatch(/exit status 3/);
      expect(r.out()).toBe('');
      // the init the hook was told about is gone
      const { pid } = JSON.parse(read(log, 'state')) as { pid: number };
      expect(pid).toBeGreaterThan(0);
      expect(running(pid)).toBe(false);
      expectNothingLeft(id);
    });
  }

  // prestart is run by the runtime, createContainer and startContainer by the container's init.
  for (const [kind, how] of [
    ['prestart', 'SIGSYS (bad system call)'],
    ['createContainer', '31 (bad system call)'],
    ['startContainer', '31 (bad system call)'],
  ] as const) {
    it(`a ${kind} hook killed by a signal: run fails naming the signal and what it means`, () => {
      const id = scope.id(`sig-${kind}`);
      const bundle = scope.bundle(sh('true'), (s) => {
        s.hooks = { [kind]: [{ path: BUSYBOX, args: ['sh', '-c', 'kill -SYS $$'] }] };
      });
      const r = ocirtToFiles(scope.root, ['run', '--bundle', bundle.dir, id], { dir: bundle.dir });
      expect(r.status).not.toBe(0);
      expect(r.err()).toContain(`error running hook #0 (${kind} ${BUSYBOX}): killed by signal ${how}`);
      expectNothingLeft(id);
    });
  }

  for (const kind of ['prestart', 'createContainer'] as const) {
    it(`a ${kind} hook that exceeds its timeout is killed and create fails saying "timed out"`, () => {
      const log = scope.scratch('ocirt-hooklog-');
      const id = scope.id(`timeout-${kind}`);
      const bundle = scope.bundle(sh('true'), (s) => {
        s.hooks = { [kind]: [scriptHook('hang', log, 'exec sleep 600', { timeout: 1 })] };
      });
      const r = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('timed out');
      expect(r.stderr).toContain(kind);
      // the hanging hook was killed, not left sleeping
      const hookPidText = read(log, 'hang.pid').trim();
      if (kind === 'prestart') expect(running(Number(hookPidText))).toBe(false);
      expectNothingLeft(id);
    });
  }

  it('a failing poststart hook fails start (runtime-spec 1.3): the container is killed, the later hooks do not run, delete runs poststop', () => {
    const id = scope.id('poststart-fail');
    const log = scope.scratch('ocirt-hooklog-');
    const bundle = scope.bundle(sh('exec sleep 1000'), (s) => {
      s.hooks = {
        poststart: [recordingHook('poststart-first', log), { path: BUSYBOX, args: ['sh', '-c', 'exit 4'] }, recordingHook('poststart-after', log)],
        poststop: [recordingHook('poststop', log)],
      };
    });
    const create = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir });
    expect(create.status).toBe(0);
    const pid = stateOf(scope.root, id).pid;
    const start = scope.ocirt(['start', id]);
    expectCleanError(start, `error running hook #1 (poststart ${BUSYBOX}): exit status 4`);
    expect(running(pid)).toBe(false);
    expect(stateOf(scope.root, id).status).toBe('stopped');
    expect(lines(read(log, 'order'))).toEqual(['poststart-first']);
    expect(scope.ocirt(['delete', id]).status).toBe(0);
    expect(lines(read(log, 'order'))).toEqual(['poststart-first', 'poststop']);
    expect(scope.leftovers()).toEqual([]);
  });

  it('run with a failing poststart hook fails and leaves nothing behind', () => {
    const id = scope.id('poststart-run');
    const r = scope.run(sh('exec sleep 1000'), (s) => {
      s.hooks = { poststart: [{ path: BUSYBOX, args: ['sh', '-c', 'exit 6'] }] };
    }, [], id);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('error running hook #0 (poststart');
    expect(r.stderr).toContain('exit status 6');
    expectNothingLeft(id);
  });

  it('a failing poststop hook is a warning: delete succeeds and removes the container', () => {
    const id = scope.id('poststop-fail');
    const bundle = scope.bundle(sh('true'), (s) => {
      s.hooks = { poststop: [{ path: BUSYBOX, args: ['sh', '-c', 'exit 5'] }] };
    });
    const create = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir });
    expect(create.status).toBe(0);
    const del = scope.ocirt(['delete', id]);
    expect(del.status).toBe(0);
    expect(del.stderr).toMatch(/warning/i);
    expect(del.stderr).toContain('poststop');
    expectCleanError(scope.ocirt(['state', id]), 'container does not exist');
    expect(scope.leftovers()).toEqual([]);
  });

  it('a hook whose path does not exist fails create and leaves nothing', () => {
    const id = scope.id('hook-missing');
    const bundle = scope.bundle(sh('true'), (s) => {
      s.hooks = { createRuntime: [{ path: '/no/such/hook' }] };
    });
    const r = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('/no/such/hook');
    expectNothingLeft(id);
  });

  it('poststop hooks run when run deletes its container', () => {
    const log = scope.scratch('ocirt-hooklog-');
    const r = scope.run(sh('exit 0'), (s) => {
      s.hooks = { poststop: [recordingHook('poststop', log)] };
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(read(log, 'order'))).toEqual(['poststop']);
    expect(readState(log, 'poststop').status).toBe('stopped');
  });

  it('the hook\'s stdout does not end up in the container\'s stdout', () => {
    const id = scope.id('hook-stdout');
    const bundle = scope.bundle(sh('echo from-container'), (s) => {
      s.hooks = {
        prestart: [{ path: BUSYBOX, args: ['sh', '-c', 'echo from-prestart'] }],
        createContainer: [{ path: BUSYBOX, args: ['sh', '-c', 'echo from-createContainer'] }],
      };
    });
    const r = ocirtToFiles(scope.root, ['run', '--bundle', bundle.dir, id], { dir: bundle.dir });
    expect(r.status).toBe(0);
    expect(r.out()).toBe('from-container\n');
  });
});
