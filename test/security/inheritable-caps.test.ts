// CVE-2022-29162: the inheritable set is exactly what the config says (empty by default)
// and the ambient set exactly the configured one, whatever the caller holds. A leaked
// inheritable capability lets a non-root container user gain it by executing a file
// with inheritable file capabilities (bounding does not limit that path).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, lines } from '../helpers/containers';
import { OCIRT } from '../helpers/ocirt-cli';
import { runToFiles } from '../helpers/security';
import { describeNeeds, host } from '../helpers/host-capabilities';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const CAP = { CAP_NET_BIND_SERVICE: 10, CAP_NET_ADMIN: 12, CAP_NET_RAW: 13, CAP_SYS_PTRACE: 19, CAP_SYS_ADMIN: 21, CAP_KILL: 5, CAP_AUDIT_WRITE: 29 } as const;
type CapName = keyof typeof CAP;

function mask(names: CapName[]): string {
  let m = 0n;
  for (const n of names) m |= 1n << BigInt(CAP[n]);
  return m.toString(16).padStart(16, '0');
}

/** A caller holding inheritable and ambient capabilities the container must not get. */
const HOSTILE_CAPS = '+net_raw,+sys_admin,+sys_ptrace,+net_admin';
function hostile(argv: string[]): string[] {
  return ['setpriv', '--inh-caps', HOSTILE_CAPS, '--ambient-caps', HOSTILE_CAPS, '--', ...argv];
}

function capFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of lines(text)) {
    const m = /^(Cap\w+):\s*([0-9a-f]+)$/.exec(l);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/**
 * Puts a copy of busybox at /capbin/grep with file capabilities "inheritable + effective"
 * for SYS_ADMIN, NET_RAW and SYS_PTRACE (a security.capability xattr, VFS_CAP_REVISION_2):
 * executing it gives a process exactly (its inheritable set & those) as permitted.
 */
function addFileCapBinary(rootfs: string): string {
  const dir = path.join(rootfs, 'capbin');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'grep');
  fs.copyFileSync(path.join(rootfs, 'bin/busybox'), file);
  fs.chmodSync(file, 0o755);
  const inh = (1 << CAP.CAP_SYS_ADMIN) | (1 << CAP.CAP_NET_RAW) | (1 << CAP.CAP_SYS_PTRACE);
  const script = [
    'import os, struct, sys',
    // magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE; permitted, inheritable (low, high words)
    `os.setxattr(sys.argv[1], 'security.capability', struct.pack('<IIIII', 0x02000001, 0, ${inh}, 0, 0))`,
  ].join('\n');
  const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`setxattr failed: ${r.stderr}`);
  return '/capbin/grep';
}

function runCaps(edit: (s: Spec, rootfs: string) => string[], viaHostileCaller = true) {
  const id = scope.id('caps');
  const b = scope.bundle(['true']);
  b.spec.process!.args = edit(b.spec, b.rootfs);
  b.save();
  const argv = [OCIRT, '--root', scope.root, 'run', '--bundle', b.dir, id];
  return runToFiles(viaHostileCaller ? hostile(argv) : argv, b.dir);
}

describeNeeds(host.root, host.setpriv, host.python3)('inheritable capabilities, CVE-2022-29162', () => {
  it('the hostile caller really holds the capabilities (control)', () => {
    const dir = scope.scratch('ocirt-caps-');
    const r = runToFiles(hostile(['/bin/busybox', 'grep', '^Cap', '/proc/self/status']), dir);
    expect(r.status).toBe(0);
    const f = capFields(r.stdout);
    expect(BigInt(`0x${f.CapInh}`) & (1n << BigInt(CAP.CAP_SYS_ADMIN))).not.toBe(0n);
    expect(BigInt(`0x${f.CapAmb}`) & (1n << BigInt(CAP.CAP_SYS_ADMIN))).not.toBe(0n);
  });

  it('root in the container, default config: CapInh and CapAmb empty, the others exactly the config\'s', () => {
    let bounding: string[] = [];
    const r = runCaps((s) => {
      bounding = s.process!.capabilities!.bounding!;
      return ['grep', '^Cap', '/proc/self/status'];
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const set = mask(bounding as CapName[]);
    expect(capFields(r.stdout)).toEqual({ CapInh: mask([]), CapPrm: set, CapEff: set, CapBnd: set, CapAmb: mask([]) });
  });

  it('a non-root user executing a file with inheritable file capabilities gains nothing', () => {
    const r = runCaps((s, rootfs) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      // with no_new_privs the kernel would ignore file capabilities: the attack needs it off
      s.process!.noNewPrivileges = false;
      // SYS_ADMIN even in the bounding set: the inheritable path is not limited by it
      for (const k of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![k] = ['CAP_KILL', 'CAP_SYS_ADMIN'];
      return [addFileCapBinary(rootfs), '^Cap', '/proc/self/status'];
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const f = capFields(r.stdout);
    expect({ inh: f.CapInh, prm: f.CapPrm, eff: f.CapEff, amb: f.CapAmb }).toEqual({ inh: mask([]), prm: mask([]), eff: mask([]), amb: mask([]) });
  });

  it('configured inheritable and ambient sets are exactly those; a file capability yields only the configured ones', () => {
    const r = runCaps((s, rootfs) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      // with no_new_privs the kernel would ignore file capabilities: the attack needs it off
      s.process!.noNewPrivileges = false;
      s.process!.capabilities = {
        bounding: ['CAP_KILL', 'CAP_NET_RAW', 'CAP_NET_BIND_SERVICE'],
        effective: ['CAP_NET_RAW'],
        permitted: ['CAP_NET_RAW', 'CAP_NET_BIND_SERVICE'],
        inheritable: ['CAP_NET_RAW', 'CAP_NET_BIND_SERVICE'],
        ambient: ['CAP_NET_BIND_SERVICE'],
      };
      return ['sh', '-c', `grep ^Cap /proc/self/status; echo --; ${addFileCapBinary(rootfs)} ^Cap /proc/self/status`];
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [plain, withFileCaps] = r.stdout.split('--\n').map(capFields);
    expect(plain.CapInh).toBe(mask(['CAP_NET_RAW', 'CAP_NET_BIND_SERVICE']));
    expect(plain.CapAmb).toBe(mask(['CAP_NET_BIND_SERVICE']));
    expect(plain.CapBnd).toBe(mask(['CAP_KILL', 'CAP_NET_RAW', 'CAP_NET_BIND_SERVICE']));
    // permitted after executing the file: inheritable & file inheritable (the kernel
    // clears ambient for a file with capabilities) — nothing of the caller's
    expect(withFileCaps.CapPrm).toBe(mask(['CAP_NET_RAW']));
    expect(withFileCaps.CapInh).toBe(mask(['CAP_NET_RAW', 'CAP_NET_BIND_SERVICE']));
  });

  it('the same without a hostile caller gives the same sets (the caller makes no difference)', () => {
    const edit = (s: Spec, rootfs: string) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      // with no_new_privs the kernel would ignore file capabilities: the attack needs it off
      s.process!.noNewPrivileges = false;
      return [addFileCapBinary(rootfs), '^Cap', '/proc/self/status'];
    };
    const a = runCaps(edit, true);
    const b = runCaps(edit, false);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(capFields(a.stdout)).toEqual(capFields(b.stdout));
  });
});
