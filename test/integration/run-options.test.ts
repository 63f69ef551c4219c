// runc 1.2's run/create options: --keep leaves the exited container (and its cgroup) for
// delete; --no-subreaper is accepted.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestScope, cgroupDirsOf, ocirtToFiles, sh } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';

const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

describe.skipIf(!isRoot)('run options (needs root)', () => {
  it('run --keep: the container stays stopped, with its cgroup, until delete', () => {
    const id = scope.id('keep');
    const r = scope.run(sh('echo ran; exit 3'), undefined, ['--keep'], id);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ran\n');
    expect(r.status).toBe(3);
    const state = scope.ocirt(['state', id]);
    expect(state.status).toBe(0);
    expect(JSON.parse(state.stdout).status).toBe('stopped');
    expect(cgroupDirsOf(id).length).toBeGreaterThan(0);
    expect(scope.ocirt(['delete', id]).status).toBe(0);
    expect(scope.ocirt(['state', id]).status).not.toBe(0);
    expect(cgroupDirsOf(id)).toEqual([]);
  });

  it('without --keep run removes the container once it exits', () => {
    const id = scope.id('nokeep');
    expect(scope.run(sh('true'), undefined, [], id).status).toBe(0);
    expect(scope.ocirt(['state', id]).status).not.toBe(0);
    expect(cgroupDirsOf(id)).toEqual([]);
  });

  it('--no-subreaper is accepted by run and create; run still reports the exit status', () => {
    const r = scope.run(sh('exit 7'), undefined, ['--no-subreaper']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(7);
    const id = scope.id('nosub');
    const b = scope.bundle(['true']);
    // To files, not pipes: the waiting init holds its stdio.
    expect(ocirtToFiles(scope.root, ['create', '--no-subreaper', '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    expect(scope.ocirt(['delete', id]).status).toBe(0);
  });
});
