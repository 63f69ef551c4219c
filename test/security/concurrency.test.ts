// Concurrent calls: of N parallel creates of one id exactly one wins and the losers
// touch nothing of the winner's; parallel deletes are safe; kill and delete never signal
// a pid that no longer belongs to the container (a recorded pid reused by another
// process, simulated by pointing state.json at a host `sleep` with another start time).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestScope, cgroupDirsOf, ocirtToFiles, pidExists, procStatusField, sh, stateOf, waitForStatus } from '../helpers/containers';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';
import { mapLimit, pollFor, runToFilesAsync } from '../helpers/security';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

function alive(pid: number): boolean {
  const st = procStatusField(pid, 'State');
  return st !== undefined && !st.startsWith('Z') && !st.startsWith('X');
}

describe.skipIf(!isRoot)('parallel creates and deletes (needs root)', () => {
  it('8 parallel creates of one id (different bundles): exactly one succeeds, the winner is intact', async () => {
    const id = scope.id('race8');
    const bundles = Array.from({ length: 8 }, () => scope.bundle(sh('exec sleep 600')));
    const results = await Promise.all(bundles.map((b) => runToFilesAsync([OCIRT, '--root', scope.root, 'create', '--bundle', b.dir, id], b.dir)));
    const winners = results.filter((r) => r.status === 0);
    expect(winners, results.map((r) => r.stderr).join('')).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 0)) {
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`container with id ${id} already exists`);
    }
    const st = stateOf(scope.root, id);
    expect(st.status).toBe('created');
    expect(alive(st.pid)).toBe(true);
    // the losers removed nothing of the winner's: its cgroups are there, it starts and runs
    expect(cgroupDirsOf(id).length).toBeGreaterThan(0);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'running')).toBe('running');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
    expect(scope.leftovers()).toEqual([]);
  });

  it('8 parallel runs of one id: one runs, the others fail cleanly', async () => {
    // The winner's process waits for a release file, so it still exists while the others
    // try: none of them can win after it (the run's own delete) instead of beside it.
    const id = scope.id('race8run');
    const out = scope.scratch('ocirt-race-run-');
    const bundles = Array.from({ length: 8 }, () =>
      scope.bundle(sh('echo ran-once; while [ ! -e /out/release ]; do sleep 0.05; done'), (s) => {
        s.mounts!.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'ro'] });
      }),
    );
    let finished = 0;
    const runs = bundles.map((b) =>
      runToFilesAsync([OCIRT, '--root', scope.root, 'run', '--bundle', b.dir, id], b.dir, { timeoutMs: 90_000 }).then((r) => {
        finished++;
        return r;
      }),
    );
    // the 7 losers end by themselves; a second winner would keep waiting (30 s bounds that)
    await pollFor(() => (finished >= 7 ? true : undefined), 30_000);
    fs.writeFileSync(path.join(out, 'release'), '');
    const results = await Promise.all(runs);
    const winners = results.filter((r) => r.stdout === 'ran-once\n');
    expect(winners, results.map((r) => `${r.status}: ${r.stderr}`).join('')).toHaveLength(1);
    expect(winners[0].status).toBe(0);
    for (const r of results.filter((x) => x !== winners[0])) {
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('already exists');
    }
    expect(scope.leftovers()).toEqual([]);
  });

  it('8 parallel delete --force of one running container: all succeed, everything is gone', async () => {
    const id = scope.id('del8');
    const b = scope.bundle(sh('exec sleep 600'));
    expect(ocirtToFiles(scope.root, ['run', '--detach', '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    const pid = stateOf(scope.root, id).pid;
    const results = await Promise.all(Array.from({ length: 8 }, () => runToFilesAsync([OCIRT, '--root', scope.root, 'delete', '--force', id], b.dir)));
    for (const r of results) {
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
      expect(r.signal).toBeNull();
    }
    // --force of a container that is already gone (or going) is not an error (runc)
    expect(results.map((r) => `${r.status} ${r.stderr}`)).toEqual(Array(8).fill('0 '));
    expect(alive(pid)).toBe(false);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    expect(scope.leftovers()).toEqual([]);
  });

  it('create racing delete --force of the same id (20 rounds): every round ends with nothing left after a last delete', async () => {
    for (let round = 0; round < 20; round++) {
      const id = scope.id('cd');
      const b = scope.bundle(sh('exec sleep 600'));
      const [c, d] = await Promise.all([
        runToFilesAsync([OCIRT, '--root', scope.root, 'create', '--bundle', b.dir, id], b.dir),
        new Promise((r) => setTimeout(r, round * 10)).then(() => runToFilesAsync([OCIRT, '--root', scope.root, 'delete', '--force', id], b.dir)),
      ]);
      for (const r of [c, d]) {
        expect(r.signal, r.stderr).toBeNull();
        expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
      }
      const last = scope.ocirt(['delete', '--force', id]);
      expect(last.status, last.stderr).toBe(0);
      expect(scope.leftovers(), `round ${round}`).toEqual([]);
    }
  }, 120_000);

  it('delete --force during a create that is still in its hooks waits for the create, then removes the container', async () => {
    const id = scope.id('slow');
    // a createRuntime hook (host side) that takes a while: the create is in progress meanwhile
    const b = scope.bundle(sh('exec sleep 600'), (spec) => {
      spec.hooks = { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '1.5'] }] };
    });
    const creating = runToFilesAsync([OCIRT, '--root', scope.root, 'create', '--bundle', b.dir, id], b.dir);
    await pollFor(() => (fs.existsSync(path.join(scope.root, id)) ? true : undefined), 10_000);
    const d = await runToFilesAsync([OCIRT, '--root', scope.root, 'delete', '--force', id], b.dir);
    const c = await creating;
    expect(c.status, c.stderr).toBe(0);
    expect(d.status, d.stderr).toBe(0);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    expect(cgroupDirsOf(id)).toEqual([]);
    expect(scope.leftovers()).toEqual([]);
  });

  it('parallel creates of many ids with one bundle: each either created or cleanly refused', async () => {
    const b = scope.bundle(sh('exec sleep 600'));
    const ids = Array.from({ length: 12 }, () => scope.id('many'));
    const results = await mapLimit(ids, 12, (id) => runToFilesAsync([OCIRT, '--root', scope.root, 'create', '--bundle', b.dir, id], b.dir));
    results.forEach((r, i) => {
      expect(r.stderr, ids[i]).toBe('');
      expect(r.status).toBe(0);
    });
    await mapLimit(ids, 12, (id) => runToFilesAsync([OCIRT, '--root', scope.root, 'delete', '--force', id], b.dir));
    expect(scope.leftovers()).toEqual([]);
  });
});

describe.skipIf(!isRoot)('a recorded pid now belonging to another process is never signalled (needs root)', () => {
  /** A host process of the test's own, started after the container's init (so another start time). */
  function hostSleep(): { pid: number; stop: () => void } {
    const child = spawn('/bin/sleep', ['600'], { stdio: 'ignore' });
    return {
      pid: child.pid!,
      stop: () => {
        child.kill('SIGKILL');
      },
    };
  }

  /** Points the container's state.json at `pid`, keeping the recorded start time. */
  function forgePid(id: string, pid: number): void {
    const file = path.join(scope.root, id, 'state.json');
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number };
    record.pid = pid;
    fs.writeFileSync(file, `${JSON.stringify(record)}\n`);
  }

  it('a stopped container whose pid was reused: state says stopped, kill fails, kill --all and delete leave the process alone', () => {
    const id = scope.id('reuse');
    const b = scope.bundle(sh('exit 0'));
    expect(ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    const victim = hostSleep();
    try {
      forgePid(id, victim.pid);
      const st = stateOf(scope.root, id);
      expect(st.status).toBe('stopped');
      expect(st.pid).toBe(0);
      for (const sig of ['KILL', 'TERM', 'STOP']) {
        const k = scope.ocirt(['kill', id, sig]);
        expect(k.status, sig).toBe(1);
        expect(k.stderr).toMatch(/not running/);
      }
      scope.ocirt(['kill', '--all', id, 'KILL']);
      expect(alive(victim.pid)).toBe(true);
      expect(procStatusField(victim.pid, 'State')?.[0]).toBe('S');
      const d = scope.ocirt(['delete', id]);
      expect(d.status, d.stderr).toBe(0);
      expect(alive(victim.pid)).toBe(true);
    } finally {
      victim.stop();
    }
    expect(scope.leftovers()).toEqual([]);
  });

  it('delete --force of a container whose recorded pid was reused: the other process survives', () => {
    const id = scope.id('reuse-force');
    const b = scope.bundle(sh('exit 0'));
    expect(ocirtToFiles(scope.root, ['run', '--detach', '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    const victim = hostSleep();
    try {
      forgePid(id, victim.pid);
      const d = scope.ocirt(['delete', '--force', id]);
      expect(d.status, d.stderr).toBe(0);
      expect(alive(victim.pid)).toBe(true);
    } finally {
      victim.stop();
    }
    expect(scope.leftovers()).toEqual([]);
  });

  it('a container without its own pid namespace (kill --all / delete --force use its cgroup): the other process survives', () => {
    const id = scope.id('reuse-hostpid');
    const b = scope.bundle(sh('exit 0'), (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    });
    expect(ocirtToFiles(scope.root, ['run', '--detach', '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    const victim = hostSleep();
    try {
      forgePid(id, victim.pid);
      scope.ocirt(['kill', '--all', id, 'KILL']);
      expect(alive(victim.pid)).toBe(true);
      const d = scope.ocirt(['delete', '--force', id]);
      expect(d.status, d.stderr).toBe(0);
      expect(alive(victim.pid)).toBe(true);
      expect(pidExists(victim.pid)).toBe(true);
    } finally {
      victim.stop();
    }
    expect(scope.leftovers()).toEqual([]);
  });
});
