// What a rootless container must not get: a writable host cgroup tree without a cgroup
// namespace, or anything through its user namespace that its user did not have.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RootlessUser, rootlessUnavailable } from '../helpers/rootless-user';
import { host, itNeeds } from '../helpers/host-capabilities';

const skip = rootlessUnavailable();

/** Directories named `name` in the host's cgroup hierarchies, two levels down. */
function hostCgroupDirsNamed(name: string): string[] {
  const found: string[] = [];
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const base = path.join('/sys/fs/cgroup', h);
    if (fs.existsSync(path.join(base, name))) found.push(path.join(base, name));
  }
  if (fs.existsSync(path.join('/sys/fs/cgroup', name))) found.push(path.join('/sys/fs/cgroup', name));
  return found;
}

describe.skipIf(skip !== undefined)(`rootless security${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let user: RootlessUser;
  const made: string[] = [];

  beforeAll(() => {
    user = RootlessUser.create();
  });

  afterAll(() => {
    user?.remove();
    for (const f of made) fs.rmSync(f, { recursive: true, force: true });
  });

  it('without a cgroup namespace the container gets no writable host cgroup tree, even as its root with remounts', () => {
    const escape = `ocirt-rl-escape-${process.pid}`;
    const script = [
      // try everything a root of the user namespace may: remount read-write, uncover
      // the host's cgroup mounts under the /sys bind, write and mkdir everywhere
      'for d in /sys/fs/cgroup /sys/fs/cgroup/*; do mount -o remount,bind,rw "$d" 2>/dev/null; done',
      'umount -l /sys/fs/cgroup 2>/dev/null; mount -o remount,bind,rw /sys 2>/dev/null',
      'for f in /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/*/cgroup.procs /sys/fs/cgroup/*/tasks /sys/fs/cgroup/*/*/cgroup.procs; do',
      '  [ -e "$f" ] && (echo $$ > "$f") 2>/dev/null && echo "WROTE $f"',
      'done',
      `for d in /sys/fs/cgroup /sys/fs/cgroup/*; do mkdir "$d/${escape}" 2>/dev/null && echo "MADE $d"; done`,
      'for f in /sys/fs/cgroup/*/pids.max /sys/fs/cgroup/*/memory.limit_in_bytes /sys/fs/cgroup/*/cgroup.subtree_control; do',
      '  [ -e "$f" ] && (echo 1 > "$f") 2>/dev/null && echo "LIMITED $f"',
      'done',
      'echo checked',
    ].join('\n');
    const b = user.bundle(['sh', '-c', script]);
    expect(b.spec.linux!.namespaces!.some((n) => n.type === 'cgroup')).toBe(false);
    const r = user.ocirt(['run', '-b', b.dir, 'cg-escape']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('checked\n');
    expect(hostCgroupDirsNamed(escape)).toEqual([]);
  });

  it('container root cannot read a root-only host file or write a root-owned directory bound into it', () => {
    const dir = fs.mkdtempSync('/tmp/ocirt-rl-rootonly-');
    made.push(dir);
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'secret'), 'root only\n', { mode: 0o600 });
    const b = user.bundle(
      ['sh', '-c', 'cat /host/secret 2>&1; touch /host/new 2>&1; stat -c "%u:%g" /host/secret; chown 0:0 /host/secret 2>&1; echo done'],
      (s) => {
        s.mounts!.push({ destination: '/host', type: 'bind', source: dir, options: ['rbind', 'rw'] });
      },
    );
    const r = user.ocirt(['run', '-b', b.dir, 'rootonly']);
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out[0]).toMatch(/Permission denied/);
    expect(out[1]).toMatch(/Permission denied/);
    // host root is not mapped: it shows as the overflow id, and stays unchangeable
    expect(out[2]).toBe('65534:65534');
    expect(out[3]).toMatch(/Invalid argument|Operation not permitted/);
    expect(out[4]).toBe('done');
    expect(fs.existsSync(path.join(dir, 'new'))).toBe(false);
    expect(fs.statSync(path.join(dir, 'secret')).uid).toBe(0);
  });

  it('a group that denies the user keeps denying: setgroups is denied, the group cannot be dropped', () => {
    const group = user.supplementaryGroup();
    const dir = fs.mkdtempSync('/tmp/ocirt-rl-group-');
    made.push(dir);
    fs.chmodSync(dir, 0o755);
    const file = path.join(dir, 'not-for-group');
    // readable by others, not by the group: only dropping the group would open it
    fs.writeFileSync(file, 'others only\n', { mode: 0o604 });
    fs.chownSync(file, 0, group.gid);
    fs.chmodSync(file, 0o604);
    expect(user.run('cat', [file]).status).not.toBe(0);
    const b = user.bundle(['sh', '-c', 'cat /host/not-for-group 2>&1; id -G; echo done'], (s) => {
      s.mounts!.push({ destination: '/host', type: 'bind', source: dir, options: ['rbind', 'ro'] });
    });
    const r = user.ocirt(['run', '-b', b.dir, 'groups']);
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out[0]).toMatch(/Permission denied/);
    expect(out[1].split(' ')).toContain('65534');
    expect(out[2]).toBe('done');
  });

  itNeeds(host.idMapHelpers)('a setuid-root host binary gives nothing: host root is not mapped', () => {
    const b = user.bundle(['/suid/busybox', 'id', '-u'], (s, rootfs) => {
      s.linux!.uidMappings = [{ containerID: 0, hostID: user.uid, size: 1 }, { containerID: 1, hostID: user.subuid.start, size: user.subuid.count }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: user.gid, size: 1 }, { containerID: 1, hostID: user.subgid.start, size: user.subgid.count }];
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.noNewPrivileges = false;
      fs.mkdirSync(path.join(rootfs, 'suid'));
      fs.copyFileSync('/bin/busybox', path.join(rootfs, 'suid/busybox'));
    });
    // after the bundle's chown to the user: owned by host root, setuid
    const suid = path.join(b.rootfs, 'suid/busybox');
    fs.chownSync(suid, 0, 0);
    fs.chmodSync(suid, 0o4755);
    const r = user.ocirt(['run', '-b', b.dir, 'suid']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('1000\n');
  });

  it('its root\'s capabilities, even CAP_SYS_ADMIN and CAP_NET_ADMIN, hold only in its own namespaces', () => {
    const hostHostname = fs.readFileSync('/proc/sys/kernel/hostname', 'utf8');
    const swappiness = fs.readFileSync('/proc/sys/vm/swappiness', 'utf8').trim();
    const link = `ocirtrl${process.pid % 10000}`;
    const b = user.bundle(
      [
        'sh',
        '-c',
        [
          'hostname changed-inside && hostname',
          // the host's network namespace (no network namespace of its own)
          `ip link add ${link} type dummy 2>/dev/null && echo LINK-ADDED`,
          'mount -o remount,bind,rw /proc/sys 2>/dev/null',
          // the value it already has: only whether the write is allowed matters
          `(echo ${swappiness} > /proc/sys/vm/swappiness) 2>/dev/null && echo SYSCTL-WRITTEN`,
          'grep -E "^CapEff" /proc/self/status',
        ].join('; '),
      ],
      (s) => {
        const caps = ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_SYS_TIME', 'CAP_KILL'];
        s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
      },
    );
    const r = user.ocirt(['run', '-b', b.dir, 'caps']);
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out[0]).toBe('changed-inside');
    expect(r.stdout).not.toMatch(/LINK-ADDED|SYSCTL-WRITTEN/);
    expect(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8')).toBe(hostHostname);
    expect(fs.existsSync(`/sys/class/net/${link}`)).toBe(false);
    // CAP_KILL 5, CAP_NET_ADMIN 12, CAP_SYS_ADMIN 21, CAP_SYS_TIME 25
    const eff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/.exec(out[1])![1]}`);
    expect(eff).toBe((1n << 5n) | (1n << 12n) | (1n << 21n) | (1n << 25n));
  });

  it('on the host, every container process is the user\'s', () => {
    const b = user.bundle(['sleep', '1000']);
    expect(user.ocirt(['run', '-d', '-b', b.dir, 'owner']).status).toBe(0);
    const pid = JSON.parse(user.ocirt(['state', 'owner']).stdout).pid;
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(/^Uid:\s+(.*)$/m.exec(status)![1].split(/\s+/)).toEqual(Array(4).fill(String(user.uid)));
    expect(/^Gid:\s+(.*)$/m.exec(status)![1].split(/\s+/)).toEqual(Array(4).fill(String(user.gid)));
    // exec'd processes too
    const pidFile = path.join(user.dir(), 'exec.pid');
    const e = user.ocirt(['exec', '-d', '--pid-file', pidFile, 'owner', 'sleep', '999']);
    expect(e.status, e.stderr).toBe(0);
    const execPid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(fs.statSync(`/proc/${execPid}`).uid).toBe(user.uid);
    expect(/^Uid:\s+(.*)$/m.exec(fs.readFileSync(`/proc/${execPid}/status`, 'utf8'))![1].split(/\s+/)).toEqual(Array(4).fill(String(user.uid)));
    expect(user.ocirt(['delete', '--force', 'owner']).status).toBe(0);
  });
});
