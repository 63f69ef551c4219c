// A create that fails at any stage — a bad mount, a missing binary, a failing hook, the
// init SIGKILLed at various points, ocirt itself SIGKILLed mid-create — leaves no state
// dir, cgroup, mount or process; and a later `delete --force` of the id (half-created
// or not) succeeds and cleans up whatever is left.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, cgroupDirsOf, lines, ocirtToFiles, pidExists, processesInCgroupOf, procStatusField, sh } from '../helpers/containers';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';
import { pause, pollFor, readIfExists, runToFilesAsync } from '../helpers/security';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const BUSYBOX = '/bin/busybox';

function alive(pid: number): boolean {
  const st = procStatusField(pid, 'State');
  return st !== undefined && !st.startsWith('Z') && !st.startsWith('X');
}

/** delete --force of the id succeeds, and afterwards nothing at all is left. */
function expectForceDeleteCleans(id: string): void {
  const d = scope.ocirt(['delete', '--force', id]);
  expect(d.stderr).toBe('');
  expect(d.status).toBe(0);
  expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  expect(scope.leftovers()).toEqual([]);
}

function createFailing(edit: (s: Spec, dir: string) => void, args = sh('echo must-not-run')) {
  const id = scope.id('fail');
  const dir = scope.scratch('ocirt-fail-');
  const b = scope.bundle(args, (s) => edit(s, dir));
  const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir });
  return { id, dir, r };
}

describe.skipIf(!isRoot)('a create that fails at each stage leaves nothing (needs root)', () => {
  const stages: Array<[string, (s: Spec, dir: string) => void, RegExp, string[]?]> = [
    ['a bind source that does not exist (plan)', (s) => s.mounts!.push({ destination: '/x', type: 'bind', source: '/no/such/source', options: ['bind'] }), /\/no\/such\/source/],
    ['a mount the kernel refuses (mounts)', (s) => s.mounts!.push({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['size=not-a-size'] }), /\/x/],
    ['a filesystem type that does not exist (mounts)', (s) => s.mounts!.push({ destination: '/x', type: 'nosuchfs', source: 'none' }), /\/x|nosuchfs/],
    ['a sysctl the kernel refuses (system)', (s) => (s.linux!.sysctl = { 'net.ipv4.ip_forward': 'not-a-number' }), /ip_forward/],
    ['a missing binary (process)', () => {}, /executable file not found/, ['no-such-binary']],
    ['a cwd that is a file (process)', (s) => (s.process!.cwd = '/etc/passwd'), /\/etc\/passwd/],
    ['a failing prestart hook', (s) => (s.hooks = { prestart: [{ path: BUSYBOX, args: ['sh', '-c', 'exit 3'] }] }), /prestart/],
    ['a failing createRuntime hook', (s) => (s.hooks = { createRuntime: [{ path: BUSYBOX, args: ['sh', '-c', 'exit 4'] }] }), /createRuntime/],
    ['a failing createContainer hook', (s) => (s.hooks = { createContainer: [{ path: BUSYBOX, args: ['sh', '-c', 'exit 5'] }] }), /createContainer/],
  ];
  for (const [what, edit, message, args] of stages) {
    it(`${what}: exit 1, one line, nothing left; delete --force afterwards succeeds`, () => {
      const { id, r } = createFailing(edit, args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(lines(r.stderr), r.stderr).toHaveLength(1);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
      expect(r.out()).toBe('');
      expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
      expect(scope.leftovers()).toEqual([]);
      expectForceDeleteCleans(id);
    });
  }
});

describe.skipIf(!isRoot)('the init OOM-killed during create (needs root)', () => {
  for (const limit of [262144, 524288, 1048576]) {
    it(`a memory limit of ${limit / 1024} KB: created, or refused cleanly; delete --force leaves nothing`, async () => {
      const id = scope.id('oom');
      const b = scope.bundle(sh('exec sleep 600'), (s) => {
        s.linux!.resources = { memory: { limit } };
      });
      // 60 s only bounds a hang
      const r = await runToFilesAsync([OCIRT, '--root', scope.root, 'create', '--bundle', b.dir, id], b.dir, { timeoutMs: 60_000 });
      expect(r.timedOut, 'create hung').toBe(false);
      expect([0, 1]).toContain(r.status);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
      if (r.status === 1) {
        expect(lines(r.stderr), r.stderr).toHaveLength(1);
        expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
        expect(scope.leftovers()).toEqual([]);
      }
      expectForceDeleteCleans(id);
    });
  }
});

describe.skipIf(!isRoot)('the init SIGKILLed during create (needs root)', () => {
  // a hook reads the state on its stdin and kills the init it names
  const killer = (dir: string) => ['sh', '-c', `cat > ${dir}/state; pid=$(sed 's/.*"pid":\\([0-9]*\\).*/\\1/' ${dir}/state); kill -9 $pid; sleep 1`];
  for (const kind of ['prestart', 'createRuntime'] as const) {
    it(`by a ${kind} hook: create fails cleanly, nothing left`, () => {
      const { id, dir, r } = createFailing((s, d) => {
        s.hooks = { [kind]: [{ path: BUSYBOX, args: killer(d) }] };
      });
      expect(r.status).toBe(1);
      expect(lines(r.stderr), r.stderr).toHaveLength(1);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
      const { pid } = JSON.parse(fs.readFileSync(path.join(dir, 'state'), 'utf8')) as { pid: number };
      expect(alive(pid)).toBe(false);
      expect(scope.leftovers()).toEqual([]);
      expectForceDeleteCleans(id);
    });
  }

  /**
   * Starts `create` and SIGKILLs processes of the container as they appear in its
   * cgroup: only the first one seen (the runtime's bootstrap, or the init), once; or
   * every one, until create ends. create must end by itself (30 s is only the bound of
   * a hang), fail cleanly or leave a stopped container, and delete --force cleans all.
   */
  async function killDuringCreate(which: 'first' | 'all', rounds: number): Promise<void> {
    for (let round = 0; round < rounds; round++) {
      const id = scope.id(`killinit-${which}`);
      const b = scope.bundle(sh('exec sleep 600'));
      const errFile = path.join(b.dir, 'create.stderr');
      const errFd = fs.openSync(errFile, 'w');
      const child = spawn(OCIRT, ['--root', scope.root, 'create', '--bundle', b.dir, id], { stdio: ['ignore', 'ignore', errFd] });
      fs.closeSync(errFd);
      let code: number | null | undefined;
      child.on('exit', (c) => (code = c));
      const killed: number[] = [];
      const ended = await pollFor(() => {
        if (which === 'all' || killed.length === 0) {
          for (const p of processesInCgroupOf(id)) {
            try {
              process.kill(p, 'SIGKILL');
              killed.push(p);
            } catch {
              // gone already
            }
            if (which === 'first') break;
          }
        }
        return code !== undefined ? true : undefined;
      }, 30_000, 1);
      if (!ended) {
        // the hang is the failure; stop what this test started before reporting it
        child.kill('SIGKILL');
        for (const p of processesInCgroupOf(id)) process.kill(p, 'SIGKILL');
      }
      const stderr = fs.readFileSync(errFile, 'utf8');
      expect(ended, `round ${round}: create still running 30 s after its process ${killed.join(', ')} was killed`).toBe(true);
      expect(stderr).not.toMatch(/internal error|^\s+at /m);
      if (code === 0) {
        // create finished: either the init itself was killed (the container is stopped),
        // or only the bootstrap, after it had reported the init (which is then intact)
        const state = JSON.parse(scope.ocirt(['state', id]).stdout) as { status: string; pid: number };
        const initKilled = state.status === 'stopped';
        expect(initKilled || (state.status === 'created' && !killed.includes(state.pid)), JSON.stringify(state)).toBe(true);
      } else {
        expect(code).toBe(1);
        expect(lines(stderr), stderr).toHaveLength(1);
        expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
        expect(scope.leftovers()).toEqual([]);
      }
      expectForceDeleteCleans(id);
    }
  }

  it('from outside: the first runtime process of the container, the moment it appears (5 times)', async () => {
    await killDuringCreate('first', 5);
  }, 200_000);

  it('from outside: every process of the container as they appear (5 times)', async () => {
    await killDuringCreate('all', 5);
  }, 200_000);

  it('the bootstrap SIGKILLed right after it forked the init, before it reported the init\'s pid: create ends cleanly', async () => {
    // The bootstrap is stopped the moment it appears in the container's cgroup, then let
    // run in tiny steps (SIGCONT + SIGSTOP) until it has a child: it is then between
    // fork() and telling the runtime the child's pid, and is killed there. An attempt
    // where the fork was not seen happening is repeated.
    const signal = (pid: number, sig: NodeJS.Signals) => {
      try {
        process.kill(pid, sig);
        return true;
      } catch {
        return false;
      }
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = scope.id('killboot');
      const b = scope.bundle(sh('exec sleep 600'));
      const errFile = path.join(b.dir, 'create.stderr');
      const errFd = fs.openSync(errFile, 'w');
      const child = spawn(OCIRT, ['--root', scope.root, 'create', '--bundle', b.dir, id], { stdio: ['ignore', 'ignore', errFd] });
      fs.closeSync(errFd);
      let code: number | null | undefined;
      child.on('exit', (c) => (code = c));
      // a tight, synchronous watch on the container's cgroup.procs: the runtime puts the
      // bootstrap there before sending it the plan, so it is usually caught before it forks
      let boot: number | undefined;
      for (const until = Date.now() + 30_000; boot === undefined && Date.now() < until; ) {
        for (const dir of cgroupDirsOf(id)) {
          const first = Number((readIfExists(path.join(dir, 'cgroup.procs')) ?? '').split('\n')[0]);
          if (first > 0 && signal(first, 'SIGSTOP')) boot = first;
          break;
        }
      }
      expect(boot, 'no runtime process appeared in the container\'s cgroup').toBeDefined();
      let forked = '';
      let step = 0;
      for (; step < 200_000; step++) {
        forked = readIfExists(`/proc/${boot}/task/${boot}/children`)?.trim() ?? 'gone';
        if (forked !== '') break;
        signal(boot!, 'SIGCONT');
        signal(boot!, 'SIGSTOP');
      }
      const caught = forked !== 'gone' && forked !== '' && step > 0;
      signal(boot!, caught ? 'SIGKILL' : 'SIGCONT');
      const ended = await pollFor(() => (code !== undefined ? true : undefined), 30_000);
      if (!ended) {
        // the hang is the failure; stop what this test started before reporting it
        child.kill('SIGKILL');
        for (const p of processesInCgroupOf(id)) signal(p, 'SIGKILL');
      }
      const stderr = fs.readFileSync(errFile, 'utf8');
      expect(ended, `create still running 30 s after its bootstrap was killed (init ${forked} left waiting)`).toBe(true);
      expect(stderr).not.toMatch(/internal error|^\s+at /m);
      if (code !== 0) expect(lines(stderr), stderr).toHaveLength(1);
      expectForceDeleteCleans(id);
      if (caught) return;
    }
  }, 300_000);

  it('right after create returned (the pid file appeared): stopped, and delete (without --force) cleans up', async () => {
    const id = scope.id('killafter');
    const b = scope.bundle(sh('exec sleep 600'));
    const pidFile = path.join(b.dir, 'init.pid');
    const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, '--pid-file', pidFile, id], { dir: b.dir });
    expect(r.status).toBe(0);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGKILL');
    expect(await pollFor(() => (alive(pid) ? undefined : true))).toBe(true);
    const st = scope.ocirt(['state', id]);
    expect(st.status).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ status: 'stopped', pid: 0 });
    const d = scope.ocirt(['delete', id]);
    expect(d.stderr).toBe('');
    expect(d.status).toBe(0);
    expect(scope.leftovers()).toEqual([]);
  });
});

describe.skipIf(!isRoot)('ocirt itself SIGKILLed mid-create (needs root)', () => {
  it('while a createRuntime hook sleeps: the half-created id is cleaned by delete --force', async () => {
    const id = scope.id('killcreate');
    const dir = scope.scratch('ocirt-killcreate-');
    const b = scope.bundle(sh('echo must-not-run'), (s) => {
      s.hooks = { createRuntime: [{ path: BUSYBOX, args: ['sh', '-c', `echo $$ $PPID > ${dir}/hook; exec sleep 600`] }] };
    });
    const child = spawn(OCIRT, ['--root', scope.root, 'create', '--bundle', b.dir, id], { stdio: 'ignore' });
    const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
    // both numbers: the file exists (empty) from the moment the shell redirects
    const hook = await pollFor(() => {
      const parts = readIfExists(path.join(dir, 'hook'))?.trim().split(' ').map(Number);
      return parts && parts.length === 2 && parts.every((n) => n > 0) ? parts : undefined;
    });
    expect(hook, 'the hook never ran').toBeDefined();
    const [hookPid, hookParent] = hook!;
    // the hook's parent is the ocirt process this test started (the launcher execs node)
    expect(hookParent).toBe(child.pid);
    process.kill(child.pid!, 'SIGKILL');
    await done;
    // the hook outlives its runtime (as with runc); it is the test's to stop
    try {
      process.kill(hookPid, 'SIGKILL');
    } catch {
      // already gone
    }
    expectForceDeleteCleans(id);
    expect(pidExists(hookPid) && alive(hookPid)).toBe(false);
  });

  it('at various moments from 0 to 300 ms: every half-created id is cleaned by delete --force', async () => {
    for (const delay of [0, 10, 25, 50, 75, 100, 150, 200, 300]) {
      const id = scope.id(`killat${delay}`);
      const b = scope.bundle(sh('exec sleep 600'));
      const child = spawn(OCIRT, ['--root', scope.root, 'create', '--bundle', b.dir, id], { stdio: 'ignore' });
      const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
      await new Promise((r) => setTimeout(r, delay));
      try {
        process.kill(child.pid!, 'SIGKILL');
      } catch {
        // it had already finished
      }
      await done;
      // whatever stage it reached, the init does not survive its runtime for long unless create finished
      pause(50);
      expectForceDeleteCleans(id);
    }
  });
});
