// `exec --cgroup` on a real cgroup v2 host (the test VM), and where an exec'd process goes
// once the container has enabled a domain controller in its own cgroup (runc's fallback
// to the init's cgroup, which --cgroup turns off).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestScope, expectCleanError, ocirtToFiles } from '../helpers/containers';
import { CGROUP_ROOT, createIn, expectOk, initPid, removeParents, requireV2Guest } from './cgroup-v2-helpers';

requireV2Guest();
const PARENT = 'ocirt-v2-exec-cg';
const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
  removeParents(PARENT);
});

/** `exec --detach` of sleep with these options: the cgroup (v2 path) the process is in. */
function cgroupOfExec(id: string, dir: string, options: string[]): string {
  const pidFile = path.join(dir, `exec-${Date.now()}-${Math.random()}.pid`);
  const r = ocirtToFiles(scope.root, ['exec', '--detach', '--pid-file', pidFile, ...options, id, 'sleep', '1000'], { dir });
  expect(r.status, r.err()).toBe(0);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  return /^0::(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'))![1];
}

describe('exec --cgroup on cgroup v2 (in the VM)', () => {
  it('joins a sub-cgroup; refuses one out of the container\'s cgroup or missing; falls back to the init\'s cgroup only without --cgroup', () => {
    const c = createIn(scope, PARENT, ['sleep', '1000']);
    expectOk(c.r);
    expectOk(scope.ocirt(['start', c.id]));
    const cg = c.cgroupPath;
    const own = path.join(CGROUP_ROOT, cg);

    expectCleanError(scope.ocirt(['exec', '--cgroup', '..', c.id, 'true']), ' .. is not a sub cgroup path');
    expectCleanError(scope.ocirt(['exec', '--cgroup', 'nonexistent', c.id, 'true']), /adding pid \d+ to cgroups: write .*\/nonexistent\/cgroup\.procs: no such file or directory/);
    expectCleanError(scope.ocirt(['exec', '--cgroup', 'memory:x', c.id, 'true']), 'unknown controller memory');
    expect(cgroupOfExec(c.id, c.bundle.dir, ['--cgroup', '/'])).toBe(cg);

    fs.mkdirSync(path.join(own, 'foobar'));
    expect(cgroupOfExec(c.id, c.bundle.dir, ['--cgroup', 'foobar'])).toBe(`${cg}/foobar`);

    // The init moves to foobar, every other process too, and the container's cgroup hands
    // memory down: it takes no process of its own any more.
    for (const pid of fs.readFileSync(path.join(own, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      fs.writeFileSync(path.join(own, 'foobar', 'cgroup.procs'), pid);
    }
    fs.writeFileSync(path.join(own, 'cgroup.subtree_control'), '+memory');
    expect(fs.readFileSync(`/proc/${initPid(scope, c.id)}/cgroup`, 'utf8')).toContain(`0::${cg}/foobar`);
    expect(cgroupOfExec(c.id, c.bundle.dir, [])).toBe(`${cg}/foobar`);
    expectCleanError(scope.ocirt(['exec', '--cgroup', '/', c.id, 'true']), /adding pid \d+ to cgroups: write .*\/cgroup\.procs: device or resource busy \(EBUSY\)/);
  });
});
