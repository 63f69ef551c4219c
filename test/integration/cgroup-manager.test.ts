// --cgroup-manager and --systemd-cgroup on this host (no systemd as PID 1): the choices
// that need no systemd, and the clean errors of those that do. The systemd driver
// itself runs in the test VM (test/vm-guest/systemd-driver.test.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectCleanError, ocirtToFiles, sh, stateOf, TestScope } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';
import { host, itNeeds } from '../helpers/host-capabilities';


describe.skipIf(!isRoot)(`--cgroup-manager${isRoot ? '' : ' (skipped: needs root)'}`, () => {
  const scope = new TestScope();
  afterEach(() => scope.reset());
  afterAll(() => expect(scope.finish()).toEqual([]));

  it('disabled: no cgroup of its own (the caller\'s), limits ignored with a warning', () => {
    const own = fs.readFileSync('/proc/self/cgroup', 'utf8');
    const b = scope.bundle(sh('cat /proc/self/cgroup'), (s) => {
      s.linux!.resources = { pids: { limit: 10 } };
      // no cgroup namespace: the container sees the same paths as the caller
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
    });
    const r = scope.ocirt(['--cgroup-manager', 'disabled', 'run', '--bundle', b.dir, scope.id('disabled')]);
    expect(r.status, r.stderr).toBe(0);
    // ocirt run (the caller here) and the container are in the same cgroups
    expect(r.stdout.split('\n').filter((l) => l && !l.includes('::'))).toEqual(own.split('\n').filter((l) => l && !l.includes('::')));
    expect(r.stderr).toMatch(/\/linux\/resources: ignored: cgroups are disabled/);
  });

  it('disabled: run -d, state, and pause says why it cannot', () => {
    const id = scope.id('disabled');
    const b = scope.bundle(['sleep', '1000']);
    const r = ocirtToFiles(scope.root, ['--cgroup-manager', 'disabled', 'run', '-d', '--bundle', b.dir, id]);
    expect(r.status, r.err()).toBe(0);
    expect(stateOf(scope.root, id).status).toBe('running');
    expectCleanError(scope.ocirt(['pause', id]), 'cannot pause: the container has no cgroup of its own (it was created rootless without a delegated cgroup, with --cgroup-manager disabled');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  });

  it('a value other than cgroupfs, systemd or disabled is a usage error', () => {
    expectCleanError(scope.ocirt(['--cgroup-manager', 'bogus', 'list']), '--cgroup-manager must be cgroupfs, systemd or disabled, not "bogus"');
  });

  it('systemd: a malformed cgroupsPath is refused naming /linux/cgroupsPath, before anything else', () => {
    for (const flags of [['--systemd-cgroup'], ['--cgroup-manager', 'systemd'], ['--cgroup-manager=systemd']]) {
      const id = scope.id('sdbad');
      const b = scope.bundle(['true'], (s) => {
        s.linux!.cgroupsPath = '/not/slice-prefix-name';
      });
      const r = scope.ocirt([...flags, 'create', '--bundle', b.dir, id]);
      expectCleanError(r, '/linux/cgroupsPath: expected "slice:prefix:name" for the systemd cgroup driver');
      expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    }
  });

  itNeeds(host.noSystemd)('systemd without systemd as PID 1: a clean error, nothing left behind', () => {
    const id = scope.id('sdnone');
    const b = scope.bundle(['true'], (s) => {
      s.linux!.cgroupsPath = 'machine.slice:libpod:x';
      s.linux!.resources = { pids: { limit: 10 } };
    });
    const r = scope.ocirt(['--cgroup-manager', 'systemd', 'create', '--bundle', b.dir, id]);
    expectCleanError(r, 'the systemd cgroup driver needs systemd as the init system (no /run/systemd/system): use --cgroup-manager cgroupfs');
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  });
});
