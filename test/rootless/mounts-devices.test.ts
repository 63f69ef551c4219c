// Mounts an unprivileged user namespace permits (bind, tmpfs, proc with a new pid
// namespace, sysfs with a new network namespace, else a bind of /sys) and devices
// bind-mounted from the host instead of made with mknod.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RootlessUser, rootlessUnavailable, type AsUserResult } from '../helpers/rootless-user';

const skip = rootlessUnavailable();

function expectClearError(r: AsUserResult, text: string): void {
  expect(r.status, r.stderr).not.toBe(0);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('ocirt: ') && !l.startsWith('ocirt: warning:'));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toContain(text);
}

/** Mount points and filesystem types from a mountinfo text. */
function mountsOf(mountinfo: string): Array<{ point: string; fstype: string; root: string }> {
  return mountinfo
    .split('\n')
    .filter((l) => l.includes(' - '))
    .map((l) => {
      const [left, right] = l.split(' - ');
      const f = left.split(' ');
      return { point: f[4], root: f[3], fstype: right.split(' ')[0] };
    });
}

describe.skipIf(skip !== undefined)(`rootless mounts and devices${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let user: RootlessUser;

  beforeAll(() => {
    user = RootlessUser.create();
  });

  afterAll(() => {
    user?.remove();
  });

  it('bind mounts: a directory of the user read-write, a file read-only', () => {
    const shared = user.dir('ocirt-rl-bind-');
    const file = path.join(user.dir('ocirt-rl-file-'), 'note');
    fs.writeFileSync(file, 'from the host\n');
    const b = user.bundle(['sh', '-c', 'echo written > /shared/out; cat /note; echo x > /note || echo read-only'], (s) => {
      s.mounts!.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] });
      s.mounts!.push({ destination: '/note', type: 'bind', source: file, options: ['bind', 'ro'] });
    });
    const r = user.ocirt(['run', '-b', b.dir, 'binds']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('from the host\nread-only\n');
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(fs.readFileSync(path.join(shared, 'out'), 'utf8')).toBe('written\n');
    expect(fs.statSync(path.join(shared, 'out')).uid).toBe(user.uid);
  });

  it('tmpfs with its options', () => {
    const b = user.bundle(['sh', '-c', 'grep " /scratch " /proc/self/mounts; echo ok > /scratch/f && cat /scratch/f; stat -c %a /scratch'], (s) => {
      s.mounts!.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1770', 'size=1m'] });
    });
    const r = user.ocirt(['run', '-b', b.dir, 'tmpfs']);
    expect(r.status, r.stderr).toBe(0);
    const [mountLine, ok, mode] = r.stdout.trim().split('\n');
    expect(mountLine).toMatch(/^tmpfs \/scratch tmpfs rw,nosuid,nodev,.*size=1024k.*mode=1770/);
    expect([ok, mode]).toEqual(['ok', '1770']);
  });

  it('proc in the new pid namespace shows only the container', () => {
    const b = user.bundle(['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo; ls /proc | grep -c "^[0-9]"']);
    const r = user.ocirt(['run', '-b', b.dir, 'proc']);
    expect(r.status, r.stderr).toBe(0);
    const [cmdline, count] = r.stdout.trim().split('\n');
    expect(cmdline.trim()).toMatch(/^sh -c /);
    // sh, and the ls, grep of the pipeline
    expect(Number(count)).toBeLessThanOrEqual(4);
  });

  it('proc without a new pid namespace is refused, saying what to add', () => {
    const b = user.bundle(['true'], (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    });
    expectClearError(user.ocirt(['run', '-b', b.dir, 'no-pidns']), 'proc can be mounted in a new user namespace only with a new pid namespace: add {"type": "pid"}');
  });

  it('sysfs with a new network namespace is a real sysfs of that namespace', () => {
    const b = user.bundle(['sh', '-c', 'ls /sys/class/net; grep " /sys " /proc/self/mountinfo'], (s) => {
      s.linux!.namespaces!.push({ type: 'network' });
      s.mounts = s.mounts!.map((m) => (m.destination === '/sys' ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] } : m));
    });
    const r = user.ocirt(['run', '-b', b.dir, 'sysfs-netns']);
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out[0]).toBe('lo');
    expect(mountsOf(out[1])[0]).toMatchObject({ point: '/sys', fstype: 'sysfs', root: '/' });
  });

  it('sysfs without a new network namespace becomes a read-only bind of the host\'s /sys', () => {
    const b = user.bundle(['sh', '-c', 'ls /sys/class/net; grep " /sys " /proc/self/mounts; touch /sys/x 2>&1 || true'], (s) => {
      s.mounts = s.mounts!.map((m) => (m.destination === '/sys' ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] } : m));
    });
    const r = user.ocirt(['run', '-b', b.dir, 'sysfs-bind']);
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n');
    const hostInterfaces = fs.readdirSync('/sys/class/net').sort();
    expect(out.slice(0, hostInterfaces.length)).toEqual(hostInterfaces);
    expect(out[hostInterfaces.length]).toMatch(/^sysfs \/sys sysfs ro,/);
    expect(out[hostInterfaces.length + 1]).toMatch(/Read-only file system/);
  });

  it('devices are the host\'s nodes bind-mounted, never made with mknod; they work', () => {
    const hasFuse = fs.existsSync('/dev/fuse');
    const b = user.bundle(
      ['sh', '-c', 'grep -E " /dev/(null|zero|full|tty|random|urandom|fuse) " /proc/self/mountinfo | cut -d" " -f5 | sort; echo x > /dev/null && head -c 3 /dev/zero | od -An -tx1; mknod /dev/n c 1 3 2>&1 || true'],
      (s) => {
        if (hasFuse) s.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666 }];
      },
    );
    const r = user.ocirt(['run', '-b', b.dir, 'devices']);
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n');
    const expected = ['/dev/full', ...(hasFuse ? ['/dev/fuse'] : []), '/dev/null', '/dev/random', '/dev/tty', '/dev/urandom', '/dev/zero'];
    expect(out.slice(0, expected.length)).toEqual(expected);
    expect(out[expected.length].trim()).toBe('00 00 00');
    expect(out[expected.length + 1]).toMatch(/Operation not permitted/);
  });

  it('mqueue needs a new ipc namespace', () => {
    const b = user.bundle(['true'], (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'ipc');
    });
    expectClearError(user.ocirt(['run', '-b', b.dir, 'no-ipc']), 'mqueue can be mounted in a new user namespace only with a new ipc namespace');
  });
});
