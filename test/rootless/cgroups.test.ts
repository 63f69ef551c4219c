// Rootless cgroups: skipped (with a note) when nothing is delegated, refused with what to
// delegate when the config has limits, and used when root delegated a cgroup to the user
// (simulated as systemd's Delegate=yes does it: a directory per hierarchy owned by the
// user, given as cgroupsPath; for cgroup v2 the user's session lives in it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RootlessUser, rootlessUnavailable, type AsUserResult } from '../helpers/rootless-user';

const skip = rootlessUnavailable();

interface Hierarchy {
  mountPoint: string;
  /** Controller list as /proc/self/cgroup names it ("" for v2). */
  key: string;
  version: 1 | 2;
}

function hierarchies(): Hierarchy[] {
  const out: Hierarchy[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const mountPoint = line.slice(0, sep).split(' ')[4];
    const [fstype, , opts = ''] = line.slice(sep + 3).split(' ');
    if (fstype === 'cgroup2') out.push({ mountPoint, key: '', version: 2 });
    if (fstype === 'cgroup') {
      const key = opts.split(',').filter((o) => !['rw', 'ro', 'relatime', 'clone_children', 'noprefix', 'xattr'].includes(o) && !o.startsWith('release_agent')).join(',');
      if (!out.some((h) => h.key === key)) out.push({ mountPoint, key, version: 1 });
    }
  }
  return out;
}

function expectClearError(r: AsUserResult, ...texts: string[]): void {
  expect(r.status, r.stderr).not.toBe(0);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('ocirt: ') && !l.startsWith('ocirt: warning:'));
  expect(errors, r.stderr).toHaveLength(1);
  for (const t of texts) expect(errors[0]).toContain(t);
}

function read(file: string): string {
  return fs.readFileSync(file, 'utf8').trim();
}

describe.skipIf(skip !== undefined)(`rootless cgroups${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let user: RootlessUser;
  const delegated: string[] = [];
  const all = hierarchies();
  const v1 = all.filter((h) => h.version === 1);
  const v2 = all.find((h) => h.version === 2);
  const dirIn = (h: Hierarchy | undefined, ...rest: string[]) => (h ? path.join(h.mountPoint, ...rest) : '');
  const byController = (c: string) => v1.find((h) => h.key.split(',').includes(c));

  /** Root gives the user a cgroup directory in each hierarchy (its files too, as systemd does). */
  function delegate(name: string, which: Hierarchy[]): void {
    for (const h of which) {
      const dir = path.join(h.mountPoint, name);
      fs.mkdirSync(dir);
      delegated.push(dir);
      for (const f of [dir, ...fs.readdirSync(dir).map((e) => path.join(dir, e))]) fs.chownSync(f, user.uid, user.gid);
    }
  }

  beforeAll(() => {
    user = RootlessUser.create();
  });

  afterAll(() => {
    user?.remove();
    for (const d of delegated.reverse()) {
      try {
        fs.rmdirSync(d);
      } catch {
        // reported by the test that checks for leftovers
      }
    }
  });

  it('a resource limit without a delegated cgroup is refused, saying what to delegate; nothing is left', () => {
    const b = user.bundle(['true'], (s) => {
      s.linux!.resources = { pids: { limit: 10 } };
    });
    const r = user.ocirt(['run', '-b', b.dir, 'limited']);
    expectClearError(r, '/linux/resources/pids: needs the pids cgroup', 'cannot create', 'delegated to its user', '/linux/cgroupsPath');
    expect(fs.existsSync(path.join(user.stateRoot, 'limited'))).toBe(false);
  });

  it('device rules alone need no cgroup (no user may write them): skipped with the note', () => {
    const b = user.bundle(['true'], (s) => {
      s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }] };
    });
    const r = user.ocirt(['run', '-b', b.dir, 'devrules']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: cgroups skipped \(rootless\)/);
  });

  it('pause and update of a container whose cgroups were skipped: refused, saying it has no cgroup of its own', () => {
    const b = user.bundle(['sleep', '600']);
    expect(user.ocirt(['run', '-d', '-b', b.dir, 'nocg']).status).toBe(0);
    for (const args of [['pause', 'nocg'], ['update', '--pids-limit', '5', 'nocg']]) {
      const r = user.ocirt(args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/no cgroup of its own \(it was created rootless without a delegated cgroup/);
    }
    expect(user.ocirt(['delete', '--force', 'nocg']).status).toBe(0);
  });

  it.skipIf(v1.length === 0)('a delegated v1 cgroup per controller is used: limits, processes, pause, removal', () => {
    const name = `ocirt-rl-deleg-${process.pid}`;
    delegate(name, v1);
    const b = user.bundle(['sleep', '1000'], (s) => {
      s.linux!.cgroupsPath = `/${name}/box`;
      s.linux!.resources = { pids: { limit: 42 }, memory: { limit: 64 * 1024 * 1024 } };
    });
    const created = user.ocirt(['create', '-b', b.dir, 'deleg']);
    expect(created.status, created.stderr).toBe(0);
    // Only what was not delegated is noted (the v2 tree: the user's session is not in it).
    if (v2) expect(created.stderr).toMatch(/warning: cgroup hierarchies skipped \(rootless\): unified/);
    else expect(created.stderr).toBe('');
    const pid = JSON.parse(user.ocirt(['state', 'deleg']).stdout).pid;
    const pids = byController('pids');
    const memory = byController('memory');
    if (pids) {
      expect(read(dirIn(pids, name, 'box', 'pids.max'))).toBe('42');
      expect(read(dirIn(pids, name, 'box', 'cgroup.procs')).split('\n')).toContain(String(pid));
      expect(fs.statSync(dirIn(pids, name, 'box')).uid).toBe(user.uid);
    }
    if (memory) expect(read(dirIn(memory, name, 'box', 'memory.limit_in_bytes'))).toBe(String(64 * 1024 * 1024));
    expect(user.ocirt(['start', 'deleg']).status).toBe(0);

    // Inside, the cgroup mount shows the container's own cgroup.
    const inside = user.ocirt(['exec', 'deleg', 'sh', '-c', 'grep pids /proc/self/cgroup; cat /sys/fs/cgroup/pids/pids.max']);
    expect(inside.status, inside.stderr).toBe(0);
    if (pids) expect(inside.stdout).toBe(`${/^\d+/.exec(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /:pids:/.test(l))!)![0]}:pids:/${name}/box\n42\n`);

    if (byController('freezer')) {
      expect(user.ocirt(['pause', 'deleg']).status).toBe(0);
      expect(JSON.parse(user.ocirt(['state', 'deleg']).stdout).status).toBe('paused');
      expect(user.ocirt(['resume', 'deleg']).status).toBe(0);
    }
    const updated = user.ocirt(['update', '--pids-limit', '50', 'deleg']);
    expect(updated.status, updated.stderr).toBe(0);
    if (pids) expect(read(dirIn(pids, name, 'box', 'pids.max'))).toBe('50');

    expect(user.ocirt(['delete', '--force', 'deleg']).status).toBe(0);
    for (const h of v1) {
      expect(fs.existsSync(dirIn(h, name, 'box'))).toBe(false);
      expect(fs.existsSync(dirIn(h, name))).toBe(true);
    }
  });

  it.skipIf(!v2)('a delegated v2 subtree holding the user\'s session is used too', () => {
    const name = `ocirt-rl-deleg2-${process.pid}`;
    delegate(name, [...v1, v2!]);
    const b = user.bundle(['cat', '/proc/self/cgroup'], (s) => {
      s.linux!.cgroupsPath = `/${name}/box`;
    });
    const r = user.ocirt(['run', '-b', b.dir, 'deleg2'], { joinCgroups: [dirIn(v2, name, 'cgroup.procs')] });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toContain(`0::/${name}/box`);
    expect(fs.existsSync(dirIn(v2, name, 'box'))).toBe(false);
  });

  it('--rootless=false: the cgroups are required, and the user cannot make them', () => {
    const b = user.bundle();
    const r = user.ocirt(['--rootless=false', 'run', '-b', b.dir, 'no-rootless']);
    expectClearError(r, 'create cgroup', 'EACCES');
    expect(fs.existsSync(path.join(user.stateRoot, 'no-rootless'))).toBe(false);
  });

  it('a bad --rootless value is refused', () => {
    const r = user.ocirt(['--rootless=maybe', 'run', '-b', user.bundle().dir, 'bad-flag']);
    expectClearError(r, '--rootless must be true, false or auto');
  });
});
