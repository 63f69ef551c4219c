// The eBPF device controller on a real cgroup v2 host (the test VM): the program ocirt
// attaches to the container's cgroup decides which device nodes the container may open,
// checked by opening them inside the container.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../../src/spec/types';
import { native } from '../../src/native/binding';
import { TestScope, expectCleanError } from '../helpers/containers';
import { CGROUP_ROOT, cgExists, createIn, execIn, expectOk, host, removeParents, requireV2Guest } from './cgroup-v2-helpers';

requireV2Guest();
const PARENT = 'ocirt-v2-dev';
const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
  removeParents(PARENT);
});

let nullb: { major: number; minor: number };
beforeAll(() => {
  host('[ -e /sys/block/nullb0 ] || modprobe null_blk nr_devices=1');
  const [major, minor] = fs.readFileSync('/sys/block/nullb0/dev', 'utf8').trim().split(':').map(Number);
  nullb = { major, minor };
});

function started(edit: (s: Spec) => void): { id: string; cg: string } {
  const c = createIn(scope, PARENT, ['sleep', '1000'], edit);
  expectOk(c.r);
  expectOk(scope.ocirt(['start', c.id]));
  return { id: c.id, cg: c.cgroupPath };
}

/** "ok" or the error the container's shell reports, for a shell redirection. */
function tryIn(id: string, what: string): string {
  const r = execIn(scope, id, `if ${what}; then echo ok; fi`);
  return r.stdout.trim() === 'ok' ? 'ok' : r.stderr.trim();
}

const loopControl = { path: '/dev/loop-control', type: 'c' as const, major: 10, minor: 237, fileMode: 0o600, uid: 0, gid: 0 };

describe('eBPF device controller (cgroup v2, in the VM)', () => {
  it('default rules: the standard devices open; a node the config creates without a rule does not', () => {
    const { id, cg } = started((s) => {
      s.linux!.devices = [loopControl];
    });
    expect(native().deviceFilterCount(path.join(CGROUP_ROOT, cg))).toBe(1);
    expect(tryIn(id, 'head -c 4 /dev/zero >/dev/null')).toBe('ok');
    expect(tryIn(id, 'echo x >/dev/null')).toBe('ok');
    expect(tryIn(id, 'head -c 4 /dev/urandom >/dev/null')).toBe('ok');
    expect(tryIn(id, 'echo x >/dev/tty 2>/dev/null || [ -c /dev/tty ]')).toBe('ok');
    expect(execIn(scope, id, 'ls -l /dev/loop-control').stdout).toMatch(/^crw/);
    expect(tryIn(id, 'true </dev/loop-control')).toMatch(/Operation not permitted/);
    expectOk(scope.ocirt(['delete', '--force', id]));
    expect(cgExists(cg)).toBe(false);
  });

  it('allow rules open exactly what they name: access letters per device, block and char', () => {
    const { major, minor } = nullb;
    const { id } = started((s) => {
      s.linux!.devices = [loopControl, { path: '/dev/nullb0', type: 'b', major, minor, fileMode: 0o600, uid: 0, gid: 0 }];
      s.linux!.resources = {
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'c', major: 10, minor: 237, access: 'rw' },
          { allow: true, type: 'b', major, minor, access: 'r' },
        ],
      };
    });
    expect(tryIn(id, 'true </dev/loop-control')).toBe('ok');
    expect(tryIn(id, 'head -c 512 /dev/nullb0 >/dev/null')).toBe('ok');
    expect(tryIn(id, 'dd if=/dev/zero of=/dev/nullb0 bs=512 count=1 conv=notrunc 2>/dev/null || echo x >/dev/nullb0')).toMatch(/Operation not permitted/);
    expect(tryIn(id, 'head -c 4 /dev/zero >/dev/null')).toBe('ok');
  });

  it('a later rule for the same device replaces the earlier one; wildcards cover every minor; a hole in a wildcard is refused', () => {
    const { major, minor } = nullb;
    const { id } = started((s) => {
      s.linux!.devices = [loopControl, { path: '/dev/nullb0', type: 'b', major, minor, fileMode: 0o600, uid: 0, gid: 0 }];
      s.linux!.resources = {
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'b', major, minor, access: 'rw' },
          { allow: false, type: 'b', major, minor, access: 'w' },
          { allow: true, type: 'c', major: 10, access: 'r' },
        ],
      };
    });
    expect(tryIn(id, 'head -c 512 /dev/nullb0 >/dev/null')).toBe('ok');
    expect(tryIn(id, 'dd if=/dev/zero of=/dev/nullb0 bs=512 count=1 conv=notrunc 2>/dev/null || echo x >/dev/nullb0')).toMatch(/Operation not permitted/);
    expect(tryIn(id, 'true </dev/loop-control')).toBe('ok');
    expect(tryIn(id, 'true >/dev/loop-control')).toMatch(/Operation not permitted/);

    // as runc: a deny inside an allowed wildcard cannot be expressed by the rule list
    const bad = createIn(scope, PARENT, ['true'], (s) => {
      s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major, access: 'rw' }, { allow: false, type: 'b', major, minor, access: 'w' }] };
    });
    expectCleanError(bad.r, `device rule "b ${major}:${minor} w" (deny) cannot be applied`);
    expect(cgExists(bad.cgroupPath)).toBe(false);
  });

  it('mknod: allowed for any node by default (with CAP_MKNOD), the node still cannot be opened', () => {
    const { id } = started((s) => {
      for (const set of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![set]!.push('CAP_MKNOD');
    });
    expectOk(execIn(scope, id, 'mknod /dev/lc c 10 237 && mknod /dev/nb b 7 0 && mknod /dev/zero2 c 1 5'));
    expect(tryIn(id, 'head -c 4 /dev/zero2 >/dev/null')).toBe('ok');
    expect(tryIn(id, 'true </dev/lc')).toMatch(/Operation not permitted/);
    expect(tryIn(id, 'true </dev/nb')).toMatch(/Operation not permitted|No such device/);
  });

  it('the program is per container: a neighbour with an allow rule does not open the first one up', () => {
    const a = started((s) => {
      s.linux!.devices = [loopControl];
    });
    const b = started((s) => {
      s.linux!.devices = [loopControl];
      s.linux!.resources = { devices: [{ allow: true, type: 'c', major: 10, minor: 237, access: 'rwm' }] };
    });
    expect(tryIn(b.id, 'true </dev/loop-control')).toBe('ok');
    expect(tryIn(a.id, 'true </dev/loop-control')).toMatch(/Operation not permitted/);
    // update leaves the device rules alone (as runc), with a warning
    const upd = path.join(scope.scratch(), 'res.json');
    fs.writeFileSync(upd, JSON.stringify({ devices: [{ allow: true, type: 'c', major: 10, minor: 237, access: 'rwm' }] }));
    const r = scope.ocirt(['update', '-r', upd, a.id]);
    expect(r.status, r.stderr).toBe(0);
    expect(tryIn(a.id, 'true </dev/loop-control')).toMatch(/Operation not permitted/);
  });
});
