// A container whose cgroupsPath already holds processes (another container's): runc
// 1.1 warns and starts it with the cgroupfs driver (runc 1.2 refuses); ocirt warns as 1.1.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { TestScope, ocirtToFiles, stateOf } from '../helpers/containers';
import { cgroupMounts, describeNeeds, host } from '../helpers/host-capabilities';

const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
  for (const mp of new Set(cgroupMounts().values())) {
    try {
      fs.rmdirSync(path.join(mp, 'ocirt-test-shared'));
    } catch {
      // not there
    }
  }
});

describeNeeds(host.root, host.cgroupV1)('a pre-existing, non-empty cgroup', () => {
  it('run and create warn that the cgroup is not empty, and the container runs in it', () => {
    const cgroupsPath = `/ocirt-test-shared/${scope.id('shared')}`;
    const start = (verb: 'run' | 'create') => {
      const b = scope.bundle(['sleep', '1000'], (s) => (s.linux!.cgroupsPath = cgroupsPath));
      const id = scope.id('ne');
      return { id, r: ocirtToFiles(scope.root, verb === 'run' ? ['run', '-d', '--bundle', b.dir, id] : ['create', '--bundle', b.dir, id], { dir: b.dir }) };
    };
    const first = start('run');
    expect(first.r.status, first.r.err()).toBe(0);
    expect(first.r.err()).toBe('');

    const second = start('run');
    expect(second.r.status, second.r.err()).toBe(0);
    expect(second.r.err()).toMatch(/^ocirt: warning: container's cgroup is not empty: 1 process\(es\) found; /);
    const third = start('create');
    expect(third.r.status, third.r.err()).toBe(0);
    expect(third.r.err()).toMatch(/container's cgroup is not empty: 2 process\(es\) found/);

    // The second container is in the shared cgroup with the first.
    const pid = stateOf(scope.root, second.id).pid;
    const memory = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:memory:/.test(l));
    expect(memory).toMatch(new RegExp(`:${cgroupsPath}$`));

    // Deleted while others still use the cgroup: it is kept for them, with a warning;
    // the last one removes it (afterAll checks that nothing is left).
    for (const [{ id }, left] of [[third, 2], [second, 1]] as const) {
      const d = scope.ocirt(['delete', '--force', id]);
      expect(d.status, d.stderr).toBe(0);
      expect(d.stderr).toMatch(new RegExp(`^ocirt: warning: the container's cgroup is kept: ${left} process\\(es\\) not of this container are still in it`));
      expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    }
    const last = scope.ocirt(['delete', '--force', first.id]);
    expect(last.status, last.stderr).toBe(0);
    expect(last.stderr).toBe('');
  });

  it('a create that fails in a shared cgroup still cleans up, and says why it failed', () => {
    const cgroupsPath = `/ocirt-test-shared/${scope.id('shared')}`;
    const a = scope.bundle(['sleep', '1000'], (s) => (s.linux!.cgroupsPath = cgroupsPath));
    const first = scope.id('ne');
    expect(ocirtToFiles(scope.root, ['run', '-d', '--bundle', a.dir, first], { dir: a.dir }).status).toBe(0);
    const b = scope.bundle(['/no/such/binary'], (s) => (s.linux!.cgroupsPath = cgroupsPath));
    const failed = scope.id('ne');
    const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, failed], { dir: b.dir });
    expect(r.status).not.toBe(0);
    expect(r.err()).toMatch(/\/no\/such\/binary/);
    expect(r.err()).not.toMatch(/EBUSY/);
    expect(fs.existsSync(path.join(scope.root, failed))).toBe(false);
    expect(scope.ocirt(['delete', '--force', first]).status).toBe(0);
  });
});
