// checkpoint and restore on this host: what is refused before CRIU runs (bad state, a
// missing image, an id in use, no CRIU) and leaves nothing behind. Real dumps and
// restores run in the VM guest (test/vm-guest/criu-checkpoint.test.ts), whose kernel
// Debian's criu supports; here they are skipped when `criu check` fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect } from 'vitest';
import { expectCleanError, ocirtToFiles, stateOf, TestScope, waitForStatus } from '../helpers/containers';
import { describeNeeds, host, itNeeds } from '../helpers/host-capabilities';

const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** A directory that looks like a CRIU image to the checks made before CRIU runs. */
function fakeImage(): string {
  const dir = scope.scratch('ocirt-criu-img-');
  fs.writeFileSync(path.join(dir, 'inventory.img'), '');
  fs.writeFileSync(path.join(dir, 'descriptors.json'), JSON.stringify(['/dev/null', '/dev/null', '/dev/null']));
  return dir;
}

describeNeeds(host.root, host.busybox, host.criu)('checkpoint and restore: refused before CRIU runs', () => {
  itNeeds()('checkpoint of a created container, and of a stopped one: one line, the container as it was', () => {
    const b = scope.bundle(['sh', '-c', 'exit 3']);
    const id = scope.id('ckpt');
    const images = path.join(scope.scratch('ocirt-criu-img-'), 'img');
    expect(ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id]).status).toBe(0);
    expectCleanError(scope.ocirt(['checkpoint', '--image-path', images, id]), `ocirt: checkpoint ${id}: container cannot be checkpointed in created state`);
    expect(stateOf(scope.root, id).status).toBe('created');
    expect(fs.existsSync(images)).toBe(false);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expectCleanError(scope.ocirt(['checkpoint', '--image-path', images, id]), `ocirt: checkpoint ${id}: container cannot be checkpointed in stopped state`);
    expect(stateOf(scope.root, id).status).toBe('stopped');
    expect(scope.ocirt(['delete', id]).status).toBe(0);
  });

  itNeeds()('checkpoint of a container that does not exist; bad flag values', () => {
    expectCleanError(scope.ocirt(['checkpoint', 'nosuch']), 'ocirt: checkpoint nosuch: container does not exist');
    expectCleanError(scope.ocirt(['checkpoint', '--page-server', 'nohost', 'x']), 'ocirt: checkpoint x: --page-server "nohost": use ADDRESS:PORT');
    expectCleanError(scope.ocirt(['checkpoint', '--manage-cgroups-mode', 'most', 'x']), 'ocirt: checkpoint x: --manage-cgroups-mode "most": must be soft, full, strict or ignore');
    expectCleanError(scope.ocirt(['checkpoint', '--empty-ns', 'pid', 'x']), 'ocirt: checkpoint x: --empty-ns "pid": namespace not supported (only network)');
    expectCleanError(scope.ocirt(['checkpoint', '--parent-path', '/abs', 'x']), 'ocirt: checkpoint x: --parent-path /abs: must be relative to --image-path');
  });

  itNeeds()('restore from a missing image directory, or one without a checkpoint: nothing is made', () => {
    const b = scope.bundle(['sleep', '100']);
    const id = scope.id('rst');
    const missing = path.join(scope.scratch(), 'nothing-here');
    expectCleanError(scope.ocirt(['restore', '-d', '--image-path', missing, '--bundle', b.dir, id]), `ocirt: restore ${id}: image directory ${missing} does not exist`);
    const empty = scope.scratch('ocirt-criu-img-');
    expectCleanError(scope.ocirt(['restore', '-d', '--image-path', empty, '--bundle', b.dir, id]), `ocirt: restore ${id}: ${empty} holds no checkpoint (no inventory.img)`);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    expect(scope.ocirt(['state', id]).stderr).toMatch(/does not exist/);
  });

  itNeeds()('restore under an id in use: refused, and the container with that id is untouched', () => {
    const b = scope.bundle(['sleep', '100']);
    const id = scope.id('rst');
    expect(ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id]).status).toBe(0);
    const before = stateOf(scope.root, id);
    expectCleanError(scope.ocirt(['restore', '-d', '--image-path', fakeImage(), '--bundle', b.dir, id]), `ocirt: restore ${id}: container with id ${id} already exists`);
    expect(stateOf(scope.root, id)).toEqual(before);
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });

  itNeeds()('without CRIU (--criu names none there is): one line saying what to install, for both verbs', () => {
    const b = scope.bundle(['sleep', '100']);
    const hint = 'checkpoint and restore need CRIU (Debian: apt-get install criu; or give --criu PATH)';
    expectCleanError(scope.ocirt(['--criu', '/nonexistent/criu', 'checkpoint', 'x']), `ocirt: checkpoint x: --criu /nonexistent/criu is not an executable file: ${hint}`);
    expectCleanError(scope.ocirt(['--criu', 'criu-not-installed', 'restore', '--image-path', fakeImage(), '--bundle', b.dir, 'y']), `ocirt: restore y: criu-not-installed not found in PATH or /usr/local/sbin, /usr/sbin, /sbin: ${hint}`);
    expect(fs.existsSync(path.join(scope.root, 'y'))).toBe(false);
  });

  itNeeds(host.criuWorks)('a real checkpoint and restore (the VM guest runs these: test/vm-guest/criu-checkpoint.test.ts)', () => {
    // Reached only on a host whose kernel criu supports: the same counter round trip as the guest's first test.
    const b = scope.bundle(['sh', '-c', 'sleep 100']);
    const id = scope.id('ckpt');
    expect(ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id]).status).toBe(0);
    const images = path.join(scope.scratch('ocirt-criu-img-'), 'img');
    const r = scope.ocirt(['checkpoint', '--leave-running', '--image-path', images, id]);
    expect(r.stderr).toBe('');
    expect(fs.existsSync(path.join(images, 'inventory.img'))).toBe(true);
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });
});
