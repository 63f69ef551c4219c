// --no-pivot (MS_MOVE and chroot instead of pivot_root) leaves the host's mounts in the
// container's mount namespace. A fully visible proc or sysfs among them would let a
// process in the container mount a new, unmasked one from a nested user namespace
// (`unshare -mrpf mount -t proc none /proc`); ocirt hides them before the move, as runc
// does, so the kernel refuses such a mount just as it does after pivot_root. The host's
// own proc and sysfs mounts are untouched.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, lines } from '../helpers/containers';
import { host, itNeeds } from '../helpers/host-capabilities';
import { installNestedMountProbe } from '../helpers/nested-mount-probe';
import { isRoot } from '../helpers/ocirt-cli';

const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** What the nested user namespace may mount: a tmpfs, never proc or sysfs. */
const REFUSED = ['tmpfs mounted', 'proc EPERM', 'sysfs EPERM'];

/** The host's proc and sysfs mounts (mount id, mount point, type). */
function hostProcSys(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => {
      const f = l.split(' ');
      const type = l.split(' - ')[1]?.split(' ')[0];
      return `${f[0]} ${f[4]} ${type}`;
    })
    .filter((l) => / (proc|sysfs)$/.test(l));
}

function runProbe(extraArgs: string[], edit: (s: Spec) => void = () => {}) {
  return scope.run(['/nested-mount-probe'], (s, b) => {
    installNestedMountProbe(b.rootfs);
    edit(s);
    if (s.linux!.uidMappings) {
      execFileSync('chown', ['-R', '100000:100000', b.rootfs]);
      fs.chmodSync(b.dir, 0o755);
    }
  }, extraArgs);
}

function inUserNamespace(s: Spec): void {
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
}

describe.skipIf(!isRoot)('nested proc and sysfs mounts with and without pivot_root (needs root)', () => {
  itNeeds(host.userNamespaces)('pivot_root (control): a nested user namespace mounts a tmpfs, but no proc and no sysfs', () => {
    const r = runProbe([]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(REFUSED);
  });

  itNeeds(host.userNamespaces)('--no-pivot: the same refusals; the host\'s proc and sysfs are still mounted', () => {
    const before = hostProcSys();
    const r = runProbe(['--no-pivot']);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(REFUSED);
    expect(hostProcSys()).toEqual(before);
  });

  itNeeds(host.userNamespaces)('--no-pivot in a user namespace of its own (the host\'s mounts are locked there: covered, not unmounted): the same refusals', () => {
    const before = hostProcSys();
    const r = runProbe(['--no-pivot'], inUserNamespace);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(REFUSED);
    expect(hostProcSys()).toEqual(before);
  });

  itNeeds(host.userNamespaces)('--no-pivot with the bundle reached through a symlink: the container keeps its own /proc and /sys', () => {
    const b = scope.bundle(['sh', '-c', 'test -r /proc/self/status && echo proc-ok; test -d /sys/kernel && echo sys-ok; /nested-mount-probe']);
    installNestedMountProbe(b.rootfs);
    const link = path.join(scope.scratch('ocirt-nopivot-link-'), 'bundle');
    fs.symlinkSync(b.dir, link);
    const r = scope.ocirt(['run', '--no-pivot', '--bundle', link, scope.id('nopivot')]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['proc-ok', 'sys-ok', ...REFUSED]);
  });
});
