// The user namespace of a rootless container: the user's own id mapped directly (setgroups
// denied, as the kernel requires), ranges from /etc/subuid and /etc/subgid through
// newuidmap/newgidmap; what only root could allow is refused with what to configure.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RootlessUser, rootlessUnavailable, type AsUserResult } from '../helpers/rootless-user';
import { host, lacking } from '../helpers/host-capabilities';

const skip = lacking(rootlessUnavailable, host.idMapHelpers);

function normalized(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/).join(' '));
}

/** One clear line: non-zero exit, "ocirt: ...", no stack or internal error. */
function expectClearError(r: AsUserResult, ...texts: Array<string | RegExp>): void {
  expect(r.status, r.stderr).not.toBe(0);
  const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('ocirt: ') && !l.startsWith('ocirt: warning:'));
  expect(errorLines, r.stderr).toHaveLength(1);
  for (const t of texts) {
    if (typeof t === 'string') expect(errorLines[0]).toContain(t);
    else expect(errorLines[0]).toMatch(t);
  }
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

describe.skipIf(skip !== undefined)(`rootless id mappings${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let user: RootlessUser;
  let noSubids: RootlessUser;

  beforeAll(() => {
    user = RootlessUser.create();
    noSubids = RootlessUser.create({ subids: false });
  });

  afterAll(() => {
    user?.remove();
    noSubids?.remove();
  });

  const multiRange = (u: RootlessUser) => ({
    uid: [{ containerID: 0, hostID: u.uid, size: 1 }, { containerID: 1, hostID: u.subuid.start, size: u.subuid.count }],
    gid: [{ containerID: 0, hostID: u.gid, size: 1 }, { containerID: 1, hostID: u.subgid.start, size: u.subgid.count }],
  });

  it('single mapping of the user\'s own ids, without helpers: setgroups is denied', () => {
    const b = user.bundle(['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -g']);
    const r = user.ocirt(['run', '-b', b.dir, 'single']);
    expect(r.status, r.stderr).toBe(0);
    expect(normalized(r.stdout)).toEqual([`0 ${user.uid} 1`, `0 ${user.gid} 1`, 'deny', '0', '0']);
  });

  it('multi-range mappings through newuidmap/newgidmap; setgroups stays allowed, additional groups work', () => {
    const maps = multiRange(user);
    const shared = user.dir('ocirt-rl-shared-');
    fs.chmodSync(shared, 0o777);
    const b = user.bundle(
      ['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -G; touch /shared/made-by-1000'],
      (s) => {
        s.linux!.uidMappings = maps.uid;
        s.linux!.gidMappings = maps.gid;
        s.process!.user = { uid: 1000, gid: 1000, additionalGids: [5, 1001] };
        s.mounts!.push({ destination: '/shared', type: 'bind', source: shared, options: ['bind', 'rw'] });
        s.root!.readonly = true;
      },
    );
    const r = user.ocirt(['run', '-b', b.dir, 'multi']);
    expect(r.status, r.stderr).toBe(0);
    expect(normalized(r.stdout)).toEqual([
      `0 ${user.uid} 1`,
      `1 ${user.subuid.start} ${user.subuid.count}`,
      `0 ${user.gid} 1`,
      `1 ${user.subgid.start} ${user.subgid.count}`,
      'allow',
      '1000',
      '1000 5 1001',
    ]);
    // Container uid 1000 is host uid subuid.start + 999.
    const st = fs.statSync(path.join(shared, 'made-by-1000'));
    expect([st.uid, st.gid]).toEqual([user.subuid.start + 999, user.subgid.start + 999]);
  });

  it('a mapping of host ids the user does not own is refused before anything is made, naming /etc/subuid', () => {
    const b = user.bundle(['true'], (s) => {
      s.linux!.uidMappings = [{ containerID: 0, hostID: user.uid, size: 1 }, { containerID: 1, hostID: 100, size: 10 }];
    });
    const r = user.ocirt(['run', '-b', b.dir, 'not-owned']);
    expectClearError(r, '/linux/uidMappings/1: host uids 100..109 are not yours to map', '/etc/subuid', `"${user.name}:100:10"`);
    expect(fs.existsSync(path.join(user.stateRoot, 'not-owned'))).toBe(false);
  });

  it('a user without /etc/subuid ranges may map only its own id', () => {
    const b = noSubids.bundle(['true'], (s) => {
      s.linux!.gidMappings = multiRange(noSubids).gid;
    });
    const r = noSubids.ocirt(['run', '-b', b.dir, 'no-subids']);
    expectClearError(r, '/linux/gidMappings/1:', '/etc/subgid', '(none)');
    // and its own single mapping still works
    const ok = noSubids.ocirt(['run', '-b', noSubids.bundle(['id', '-u']).dir, 'own-only']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('0\n');
  });

  it('additional groups with only the own gid mapped: setgroups is denied, the error says what to map', () => {
    const b = user.bundle(['true'], (s) => {
      s.process!.user = { uid: 0, gid: 0, additionalGids: [0] };
    });
    const r = user.ocirt(['run', '-b', b.dir, 'groups']);
    expectClearError(r, '/process/user/additionalGids: setgroups(2) is denied', '/etc/subgid', 'newgidmap');
  });

  it('a process user that is not mapped is refused', () => {
    const b = user.bundle(['true'], (s) => {
      s.process!.user = { uid: 1000, gid: 0 };
    });
    expectClearError(user.ocirt(['run', '-b', b.dir, 'unmapped']), '/process/user/uid: uid 1000 is not mapped in the user namespace');
  });

  it('a config without a user namespace is refused: only root may create the other namespaces', () => {
    const b = user.bundle(['true'], (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'user');
      delete s.linux!.uidMappings;
      delete s.linux!.gidMappings;
    });
    expectClearError(user.ocirt(['run', '-b', b.dir, 'no-userns']), '/linux/namespaces:', 'needs a user namespace', '{"type": "user"}');
  });

  it('mount options with unmapped ids (gid=5 of a rootful config) are refused', () => {
    const b = user.bundle(['true'], (s) => {
      s.mounts!.find((m) => m.destination === '/dev/pts')!.options!.push('gid=5');
    });
    expectClearError(user.ocirt(['run', '-b', b.dir, 'gid-option']), /\/mounts\/\d+\/options\/\d+: gid=5: gid 5 is not mapped/);
  });

  it('an rlimit above the user\'s own hard limit is refused (only root can raise it)', () => {
    const hard = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))!.trim().split(/\s{2,}/)[2];
    const b = user.bundle(['true'], (s) => {
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: hard === 'unlimited' ? 1024 : Number(hard) + 1 }];
    });
    const r = user.ocirt(['run', '-b', b.dir, 'rlimit']);
    if (hard === 'unlimited') {
      expect(r.status, r.stderr).toBe(0);
    } else {
      expectClearError(r, '/process/rlimits/0/hard: RLIMIT_NOFILE hard limit', 'only root can raise it');
    }
  });

  it('an oomScoreAdj below the user\'s own is refused', () => {
    const own = Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8'));
    const b = user.bundle(['cat', '/proc/self/oom_score_adj'], (s) => {
      s.process!.oomScoreAdj = own - 1;
    });
    expectClearError(user.ocirt(['run', '-b', b.dir, 'oom']), `/process/oomScoreAdj: ${own - 1} is below`);
    // raising it is allowed
    const up = user.bundle(['cat', '/proc/self/oom_score_adj'], (s) => {
      s.process!.oomScoreAdj = Math.min(own + 100, 1000);
    });
    const r = user.ocirt(['run', '-b', up.dir, 'oom-up']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${Math.min(own + 100, 1000)}\n`);
  });

  it('refusals leave no state behind', () => {
    expect(fs.existsSync(user.stateRoot) ? fs.readdirSync(user.stateRoot) : []).toEqual([]);
    expect(fs.existsSync(noSubids.stateRoot) ? fs.readdirSync(noSubids.stateRoot) : []).toEqual([]);
  });
});
