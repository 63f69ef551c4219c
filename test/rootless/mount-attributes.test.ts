// Recursive mount attributes and tmpcopyup as an ordinary user: what an unprivileged user
// namespace permits (making the user's own mounts more restrictive, copying the user's
// files into a tmpfs) works.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RootlessUser, rootlessUnavailable } from '../helpers/rootless-user';

const skip = rootlessUnavailable();

describe.skipIf(skip !== undefined)(`rootless recursive attributes and tmpcopyup${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let user: RootlessUser;

  beforeAll(() => {
    user = RootlessUser.create();
  });

  afterAll(() => {
    user?.remove();
  });

  it('an rbind of the host\'s /sys with rro: its submounts (the cgroup hierarchies) are read-only too', () => {
    const b = user.bundle(['sh', '-c', 'awk \'$5 ~ "^/sys" {print $5, $6}\' /proc/self/mountinfo'], (s) => {
      s.mounts = s.mounts!.map((m) => (m.destination === '/sys' ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'rro'] } : m));
    });
    const r = user.ocirt(['run', '-b', b.dir, 'sys-rro']);
    expect(r.status, r.stderr).toBe(0);
    const points = r.stdout.trim().split('\n').map((l) => l.split(' '));
    expect(points.length).toBeGreaterThan(2);
    expect(points.map(([p]) => p)).toContain('/sys/fs/cgroup');
    for (const [point, options] of points) expect(options.split(','), point).toContain('ro');
  });

  it('tmpcopyup copies the user\'s files, with their modes, into the tmpfs', () => {
    const b = user.bundle(['sh', '-c', 'grep " /data " /proc/self/mounts | cut -d" " -f3; stat -c "%n %u %a" /data/f /data/d; cat /data/f'], (s, rootfs) => {
      fs.mkdirSync(path.join(rootfs, 'data', 'd'), { recursive: true });
      fs.writeFileSync(path.join(rootfs, 'data', 'f'), 'from the image\n');
      fs.chmodSync(path.join(rootfs, 'data', 'f'), 0o600);
      fs.chmodSync(path.join(rootfs, 'data', 'd'), 0o710);
      // The bundle's save() gives the whole bundle to the user: the container's root.
      s.mounts!.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup'] });
    });
    const r = user.ocirt(['run', '-b', b.dir, 'copyup']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['tmpfs', '/data/f 0 600', '/data/d 0 710', 'from the image']);
  });
});
