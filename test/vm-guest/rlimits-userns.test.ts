// process.rlimits raising a hard limit above the runtime's own, in a container with a
// user namespace: only a process with CAP_SYS_RESOURCE in the initial user namespace may
// do that, so the runtime sets them (prlimit) while the init or exec'd process waits in
// its user namespace. Needs the VM guest: root there has every capability, and its
// RLIMIT_NOFILE hard limit is the kernel's 4096; the development host's bounding set
// lacks CAP_SYS_RESOURCE, so no runtime can raise a limit there.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import type { TestBundle } from '../helpers/bundle';
import { TestScope, ocirtToFiles } from '../helpers/containers';
import { requireV2Guest } from './cgroup-v2-helpers';

requireV2Guest();
const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const HARD = 100000;
const OPEN_FILES = ['grep', 'Max open files', '/proc/self/limits'];

function userNamespaceWithRaisedLimit(s: Spec, b: TestBundle): void {
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: HARD }];
  spawnSync('chown', ['-R', '100000:100000', b.rootfs]);
  fs.chmodSync(b.dir, 0o755);
}

/** "Max open files  1024  100000  files" → [soft, hard]. */
function openFiles(text: string): string[] {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  return m ? [m[1], m[2]] : [text];
}

function ownHardLimit(): number {
  return Number(openFiles(fs.readFileSync('/proc/self/limits', 'utf8'))[1]);
}

function runc(root: string, args: string[], stdio: 'pipe' | 'ignore' = 'pipe') {
  const r = spawnSync('runc', ['--root', root, ...args], { encoding: 'utf8', timeout: 120_000, stdio });
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

describe('rlimits in a user namespace (in the VM)', () => {
  it('the runtime runs with a lower hard limit, and has CAP_SYS_RESOURCE', () => {
    expect(ownHardLimit()).toBeLessThan(HARD);
    const capEff = BigInt(`0x${/^CapEff:\s*(\S+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]}`);
    expect((capEff >> 24n) & 1n).toBe(1n);
  });

  it('RLIMIT_NOFILE hard 100000: the init and an exec\'d process get it', () => {
    const b = scope.bundle(['sleep', '1000']);
    userNamespaceWithRaisedLimit(b.spec, b);
    b.save();
    const id = scope.id('rl');
    const r = ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    const e = scope.ocirt(['exec', id, ...OPEN_FILES]);
    expect(e.stderr).toBe('');
    expect(e.status).toBe(0);
    expect(openFiles(e.stdout)).toEqual(['1024', String(HARD)]);
    const pid = JSON.parse(scope.ocirt(['state', id]).stdout).pid as number;
    expect(openFiles(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'))).toEqual(['1024', String(HARD)]);
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });

  it('run and exec print what runc prints', () => {
    const ours = scope.run(OPEN_FILES, userNamespaceWithRaisedLimit);
    expect(ours.stderr).toBe('');
    expect(ours.status).toBe(0);

    const root = scope.scratch('runc-root-');
    const b = scope.bundle(OPEN_FILES);
    userNamespaceWithRaisedLimit(b.spec, b);
    b.save();
    const theirs = runc(root, ['run', '--bundle', b.dir, scope.id('runc')]);
    expect(theirs.stderr).toBe('');
    expect(theirs.status).toBe(0);
    expect(openFiles(ours.stdout)).toEqual(openFiles(theirs.stdout));
    expect(openFiles(theirs.stdout)).toEqual(['1024', String(HARD)]);

    const sleeper = scope.bundle(['sleep', '1000']);
    userNamespaceWithRaisedLimit(sleeper.spec, sleeper);
    sleeper.save();
    const id = scope.id('runcx');
    expect(runc(root, ['run', '-d', '--bundle', sleeper.dir, id], 'ignore').status).toBe(0);
    const ocirtId = scope.id('rlx');
    const created = ocirtToFiles(scope.root, ['run', '-d', '--bundle', sleeper.dir, ocirtId], { dir: sleeper.dir });
    expect(created.status, created.err()).toBe(0);
    try {
      const x = runc(root, ['exec', id, ...OPEN_FILES]);
      expect(x.status, x.stderr).toBe(0);
      // Only the hard limit: in runc 1.1 built with Go >= 1.19 the Go runtime of the
      // exec'd `runc init` raises the soft limit to the hard one after runc's prlimit
      // (opencontainers/runc#4195); ocirt gives the config's soft limit, as runc meant to.
      expect(openFiles(x.stdout)[1]).toBe(String(HARD));
      const e = scope.ocirt(['exec', ocirtId, ...OPEN_FILES]);
      expect(e.status, e.stderr).toBe(0);
      expect(openFiles(e.stdout)).toEqual(['1024', String(HARD)]);
    } finally {
      runc(root, ['delete', '--force', id]);
    }
  });
});
