// The container's process: argv, environment, cwd, credentials, capabilities, limits,
// signal state and file descriptors.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { CAPABILITY_NUMBERS } from '../../src/spec/capabilities';
import { TestScope, expectCleanError, lines, ocirtToFiles, sh } from '../helpers/containers';
import { capabilityMissingFromBoundingSet, host, itNeeds } from '../helpers/host-capabilities';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** Capability numbers (linux/capability.h). */
const CAP: Record<string, number> = {
  CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_FOWNER: 3, CAP_KILL: 5, CAP_SETGID: 6, CAP_SETUID: 7,
  CAP_NET_BIND_SERVICE: 10, CAP_NET_RAW: 13, CAP_SYS_CHROOT: 18, CAP_MKNOD: 27, CAP_AUDIT_WRITE: 29,
  CAP_SETFCAP: 31,
};

function mask(names: string[] | undefined): string {
  let m = 0n;
  for (const n of names ?? []) m |= 1n << BigInt(CAP[n]);
  return m.toString(16).padStart(16, '0');
}

/** Fields of /proc/self/status as the container's process sees them. */
function status(text: string): Record<string, string> {
  return Object.fromEntries(
    lines(text)
      .filter((l) => l.includes(':\t'))
      .map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i), l.slice(i + 1).trim().replace(/\s+/g, ' ')];
      }),
  );
}

const STATUS = ['cat', '/proc/self/status'];

describe.skipIf(!isRoot)('process (needs root)', () => {
  it('args are passed exactly, spaces and empty strings included', () => {
    const r = scope.run(['sh', '-c', 'printf "[%s]" "$0" "$@"; echo', 'zero', 'one two', '', 'three']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('[zero][one two][][three]\n');
  });

  it('an absolute args[0] is run without a PATH lookup', () => {
    const r = scope.run(['/bin/busybox', 'echo', 'direct'], (s) => {
      s.process!.env = ['PATH=/nowhere'];
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('direct\n');
  });

  it('args[0] is looked up in the PATH of process.env', () => {
    const r = scope.run(['mytool'], (s, b) => {
      fs.mkdirSync(path.join(b.rootfs, 'opt/tools'), { recursive: true });
      fs.writeFileSync(path.join(b.rootfs, 'opt/tools/mytool'), '#!/bin/sh\necho found-in-opt\n', { mode: 0o755 });
      s.process!.env = ['PATH=/nowhere:/opt/tools'];
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('found-in-opt\n');
  });

  it('the environment is exactly process.env, nothing of the caller\'s', () => {
    const b = scope.bundle(['env'], (s) => {
      s.process!.env = ['PATH=/bin:/sbin', 'HOME=/home/app', 'WITH_SPACE=a b  c', 'EMPTY=', 'EQUALS=x=y'];
    });
    const polluted = {
      ...process.env,
      NODE_OPTIONS: '--no-deprecation',
      NODE_EXTRA_CA_CERTS: '/nonexistent.pem',
      FOO: 'bar',
      LD_LIBRARY_PATH: '/caller/lib',
    };
    const r = spawnSync(OCIRT, ['--root', scope.root, 'run', '--bundle', b.dir, scope.id('env')], { encoding: 'utf8', env: polluted });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['PATH=/bin:/sbin', 'HOME=/home/app', 'WITH_SPACE=a b  c', 'EMPTY=', 'EQUALS=x=y']);
  });

  it('cwd is where the process starts', () => {
    const r = scope.run(sh('pwd'), (s) => {
      s.process!.cwd = '/etc';
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('/etc\n');
  });

  it('a cwd missing in the rootfs is created (as runc does), even with a read-only root', () => {
    let rootfs = '';
    const r = scope.run(sh('pwd'), (s, b) => {
      s.process!.cwd = '/work/dir';
      rootfs = b.rootfs;
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('/work/dir\n');
    expect(fs.statSync(path.join(rootfs, 'work/dir')).isDirectory()).toBe(true);
  });

  it('user: uid, gid and additional gids', () => {
    const r = scope.run(sh('id -u; id -g; grep -E "^(Uid|Gid|Groups):" /proc/self/status'), (s) => {
      s.process!.user = { uid: 1000, gid: 1001, additionalGids: [10, 20] };
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = lines(r.stdout).map((l) => l.replace(/\s+/g, ' ').trim());
    expect(out).toEqual(['1000', '1001', 'Uid: 1000 1000 1000 1000', 'Gid: 1001 1001 1001 1001', 'Groups: 10 20']);
  });

  it('user: root keeps no supplementary group of the caller', () => {
    const r = scope.run(sh('grep "^Groups:" /proc/self/status'));
    expect(r.status).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ').trim()).toBe('Groups:');
  });

  it('umask: the configured one, 0022 by default', () => {
    const set = scope.run(sh('umask'), (s) => {
      s.process!.user!.umask = 0o027;
    });
    expect(set.status).toBe(0);
    expect(set.stdout).toBe('0027\n');
    const dflt = scope.run(sh('umask'));
    expect(dflt.status).toBe(0);
    expect(dflt.stdout).toBe('0022\n');
  });

  it('capabilities of root: the default config\'s set in bounding, effective and permitted; none inheritable or ambient', () => {
    let bounding: string[] = [];
    const r = scope.run(STATUS, (s) => {
      bounding = s.process!.capabilities!.bounding!;
    });
    expect(r.status).toBe(0);
    const st = status(r.stdout);
    const set = mask(bounding);
    expect(set).toBe(mask(['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']));
    expect({ bnd: st.CapBnd, eff: st.CapEff, prm: st.CapPrm, inh: st.CapInh, amb: st.CapAmb }).toEqual({
      bnd: set, eff: set, prm: set, inh: mask([]), amb: mask([]),
    });
  });

  it('capabilities: without process.capabilities every set is empty, bounding too, as runc runs it (whatever the host\'s bounding set lacks)', () => {
    const r = scope.run(STATUS, (s) => {
      delete s.process!.capabilities;
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const st = status(r.stdout);
    expect([st.CapBnd, st.CapEff, st.CapPrm, st.CapInh, st.CapAmb]).toEqual([mask([]), mask([]), mask([]), mask([]), mask([])]);
  });

  it('capabilities: without process.capabilities in a user namespace, every set is empty too', () => {
    const r = scope.run(STATUS, (s, b) => {
      delete s.process!.capabilities;
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      fs.chmodSync(b.dir, 0o755);
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const st = status(r.stdout);
    expect([st.CapBnd, st.CapEff, st.CapPrm, st.CapInh, st.CapAmb]).toEqual([mask([]), mask([]), mask([]), mask([]), mask([])]);
  });

  itNeeds(host.incompleteBoundingSet)('capabilities: one the host\'s bounding set lacks is refused with its pointer, and given in a user namespace', () => {
    const missing = capabilityMissingFromBoundingSet()!;
    const name = Object.entries(CAPABILITY_NUMBERS).find(([, n]) => n === missing)![0];
    const id = scope.id('nocap');
    const b = scope.bundle(STATUS, (s) => {
      s.process!.capabilities = { bounding: [name], effective: [name], permitted: [name] };
    });
    const refused = scope.ocirt(['run', '--bundle', b.dir, id]);
    expectCleanError(refused, `/process/capabilities/effective/0: ${name} is not in the runtime's capability bounding set`);
    expect(scope.ocirt(['state', id]).status).not.toBe(0);
    // In a user namespace of its own the container's root has every capability of that namespace to give.
    const inUserns = scope.run(STATUS, (s, b) => {
      s.process!.capabilities = { bounding: [name], effective: [name], permitted: [name] };
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      fs.chmodSync(b.dir, 0o755);
    });
    expect(inUserns.stderr).toBe('');
    expect(inUserns.status).toBe(0);
    const want = (1n << BigInt(missing)).toString(16).padStart(16, '0');
    expect(status(inUserns.stdout).CapEff).toBe(want);
    expect(status(inUserns.stdout).CapBnd).toBe(want);
  });

  it('capabilities of a non-root user: each of the five sets as configured', () => {
    const bounding = ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_CHOWN', 'CAP_SETUID'];
    const rest = ['CAP_KILL', 'CAP_NET_BIND_SERVICE'];
    const r = scope.run(STATUS, (s) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.capabilities = { bounding, effective: rest, permitted: rest, inheritable: rest, ambient: rest };
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const st = status(r.stdout);
    expect({ bnd: st.CapBnd, eff: st.CapEff, prm: st.CapPrm, inh: st.CapInh, amb: st.CapAmb }).toEqual({
      bnd: mask(bounding), eff: mask(rest), prm: mask(rest), inh: mask(rest), amb: mask(rest),
    });
  });

  it('capabilities: a non-root user without ambient capabilities has none effective', () => {
    const r = scope.run(STATUS, (s) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };
    });
    expect(r.status).toBe(0);
    const st = status(r.stdout);
    expect([st.CapBnd, st.CapEff, st.CapPrm, st.CapInh, st.CapAmb]).toEqual([mask(['CAP_KILL']), mask([]), mask([]), mask([]), mask([])]);
  });

  it('capabilities: a dropped capability is really missing (chown fails without CAP_CHOWN)', () => {
    const script = 'touch /tmp/f && if chown 1234 /tmp/f 2>/dev/null; then echo chowned; else echo refused; fi';
    const tmpfs = (s: Spec) => {
      s.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] });
    };
    const without = scope.run(sh(script), tmpfs);
    expect(without.status).toBe(0);
    expect(without.stdout).toBe('refused\n');
    const withCap = scope.run(sh(script), (s) => {
      tmpfs(s);
      for (const k of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![k]!.push('CAP_CHOWN');
    });
    expect(withCap.status).toBe(0);
    expect(withCap.stdout).toBe('chowned\n');
  });

  it('rlimits: soft and hard limits as configured', () => {
    const r = scope.run(sh('ulimit -n; ulimit -Hn; grep -E "^Max (open files|processes|core file size)" /proc/self/limits'), (s) => {
      s.process!.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 123, hard: 456 },
        { type: 'RLIMIT_NPROC', soft: 77, hard: 88 },
        { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
      ];
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = lines(r.stdout).map((l) => l.trim().replace(/\s{2,}/g, '|'));
    expect(out).toEqual([
      '123',
      '456',
      'Max core file size|0|0|bytes',
      'Max processes|77|88|processes',
      'Max open files|123|456|files',
    ]);
  });

  it('noNewPrivileges: NoNewPrivs 1 when set, 0 when not', () => {
    const on = scope.run(sh('grep NoNewPrivs /proc/self/status'));
    expect(on.stdout.replace(/\s+/g, ' ').trim()).toBe('NoNewPrivs: 1');
    const off = scope.run(sh('grep NoNewPrivs /proc/self/status'), (s) => {
      s.process!.noNewPrivileges = false;
    });
    expect(off.stdout.replace(/\s+/g, ' ').trim()).toBe('NoNewPrivs: 0');
  });

  it('oomScoreAdj is applied', () => {
    const r = scope.run(['cat', '/proc/self/oom_score_adj'], (s) => {
      s.process!.oomScoreAdj = 500;
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('500\n');
  });

  it('signals: none ignored or blocked, even when the caller ignores some', () => {
    const b = scope.bundle(['grep', '-E', '^Sig(Ign|Blk):', '/proc/self/status']);
    // a caller (a shell here) that ignores SIGHUP, SIGINT and SIGQUIT; Node itself ignores SIGPIPE
    const r = spawnSync('/bin/sh', ['-c', `trap "" HUP INT QUIT USR1; exec "$0" "$@"`, OCIRT, '--root', scope.root, 'run', '--bundle', b.dir, scope.id('sig')], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout).map((l) => l.replace(/\s+/g, ' '))).toEqual(['SigBlk: 0000000000000000', 'SigIgn: 0000000000000000']);
  });

  it('file descriptors: only 0, 1 and 2, even when the caller leaks others', () => {
    const dir = scope.scratch('ocirt-fds-');
    const leaked1 = fs.openSync(path.join(dir, 'leak1'), 'w');
    const leaked2 = fs.openSync(path.join(dir, 'leak2'), 'w');
    try {
      const b = scope.bundle(sh('ls /proc/self/fd | sort -n | tr "\\n" " "; echo; for n in $(seq 3 64); do [ -e /proc/$$/fd/$n ] && echo "open: $n -> $(readlink /proc/$$/fd/$n)"; done; true'));
      // stdio of ocirt: [ignore, file, file, leaked1, leaked2]: fds 3 and 4 reach ocirt without CLOEXEC
      const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, scope.id('fds')], { dir: b.dir, extraFds: [leaked1, leaked2] });
      expect(r.err()).toBe('');
      expect(r.status).toBe(0);
      // ls itself holds 3: the directory it lists
      expect(lines(r.out())).toEqual(['0 1 2 3 ']);
    } finally {
      fs.closeSync(leaked1);
      fs.closeSync(leaked2);
    }
  });

  it('--preserve-fds 2 passes fds 3 and 4 and nothing more', () => {
    const dir = scope.scratch('ocirt-pfds-');
    fs.writeFileSync(path.join(dir, 'three'), 'content of three\n');
    fs.writeFileSync(path.join(dir, 'four'), 'content of four\n');
    const fd3 = fs.openSync(path.join(dir, 'three'), 'r');
    const fd4 = fs.openSync(path.join(dir, 'four'), 'r');
    const fd5 = fs.openSync(path.join(dir, 'three'), 'r');
    try {
      const b = scope.bundle(sh('cat <&3; cat <&4; for n in $(seq 3 64); do [ -e /proc/$$/fd/$n ] && echo "open: $n"; done; true'));
      const r = ocirtToFiles(scope.root, ['run', '--preserve-fds', '2', '--bundle', b.dir, scope.id('pfds')], { dir: b.dir, extraFds: [fd3, fd4, fd5] });
      expect(r.err()).toBe('');
      expect(r.status).toBe(0);
      expect(lines(r.out())).toEqual(['content of three', 'content of four', 'open: 3', 'open: 4']);
    } finally {
      for (const fd of [fd3, fd4, fd5]) fs.closeSync(fd);
    }
  });
});
