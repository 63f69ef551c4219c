// CVE-2021-30465, CVE-2025-52881, CVE-2024-45310: mount destinations are resolved inside
// the rootfs (a symlink in the image never leads out of it), the mount is made on the
// handle found, and directories or files made for mount points are made inside the
// rootfs, never by host path. The image is hostile; the host target must stay untouched.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Mount } from '../../src/spec/types';
import { TestScope, hostMountsMentioning, lines, ocirtToFiles } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';
import { mountPoints, sha256, snapshotTree } from '../helpers/security';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** A host directory the image's symlinks point at, with a file, and its snapshot. */
function hostTarget(): { dir: string; snapshot: () => string[]; before: string[] } {
  const dir = scope.scratch('ocirt-mnt-target-');
  fs.writeFileSync(path.join(dir, 'host-file'), 'host\n');
  const snapshot = () => snapshotTree(dir);
  return { dir, snapshot, before: snapshot() };
}

/** A bind source holding a file that names it. */
function bindSource(): string {
  const dir = scope.scratch('ocirt-mnt-source-');
  fs.writeFileSync(path.join(dir, 'from-source'), 'source\n');
  return dir;
}

/** Enough ../ to climb from anywhere in the bundle to the host's "/". */
const UP = '../'.repeat(16);

interface Attempt {
  status: number | null;
  out: string;
  err: string;
  rootfs: string;
}

/**
 * Runs `script` in a container whose image got `links` (path in rootfs → symlink target)
 * and whose config got `mounts`. Checks what must hold in every case: the host target
 * unchanged, no host mount on it, a failure being one clean line with nothing left.
 */
function attempt(target: ReturnType<typeof hostTarget>, links: Record<string, string>, mounts: Mount[], script: string, prepare?: (rootfs: string) => void): Attempt {
  const id = scope.id('mntsym');
  const mountsBefore = mountPoints();
  const b = scope.bundle(['sh', '-c', script], (s) => {
    s.mounts!.push(...mounts);
  });
  for (const [link, to] of Object.entries(links)) {
    fs.mkdirSync(path.dirname(path.join(b.rootfs, link)), { recursive: true });
    fs.symlinkSync(to, path.join(b.rootfs, link));
  }
  prepare?.(b.rootfs);
  const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, id], { dir: b.dir });
  expect(target.snapshot(), 'the host target changed').toEqual(target.before);
  expect(hostMountsMentioning(target.dir)).toEqual([]);
  expect(mountPoints().filter((m) => !mountsBefore.includes(m) && !m.includes('ocirt-test-') && !m.startsWith('/run/'))).toEqual([]);
  if (r.status !== 0) {
    expect(lines(r.err()), r.err()).toHaveLength(1);
    expect(r.err()).toMatch(/^ocirt: /);
    expect(r.err()).not.toMatch(/internal error/);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  }
  expect(scope.leftovers()).toEqual([]);
  return { status: r.status, out: r.out(), err: r.err(), rootfs: b.rootfs };
}

describe.skipIf(!isRoot)('mount destinations through symlinks (needs root)', () => {
  it('an absolute symlink to a host directory that also exists in the rootfs: the bind lands on the rootfs copy', () => {
    const t = hostTarget();
    const src = bindSource();
    const r = attempt(t, { 'mnt/evil': t.dir }, [{ destination: '/mnt/evil', type: 'bind', source: src, options: ['rbind', 'rw'] }],
      `ls ${t.dir}; echo --; grep -c " ${t.dir} " /proc/self/mountinfo`,
      (rootfs) => fs.mkdirSync(path.join(rootfs, t.dir), { recursive: true }));
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    // inside the container the path the link leads to holds the mount
    expect(lines(r.out)).toEqual(['from-source', '--', '1']);
  });

  it('an idmapped bind (move_mount onto the handle) through an absolute symlink to a host directory lands on the rootfs copy', () => {
    const t = hostTarget();
    const src = bindSource();
    fs.chmodSync(src, 0o755);
    const map = [{ containerID: 0, hostID: 1000, size: 1 }];
    const r = attempt(t, { 'mnt/evil': t.dir }, [{ destination: '/mnt/evil', type: 'bind', source: src, options: ['rbind'], uidMappings: map, gidMappings: map }],
      `ls ${t.dir}; stat -c %u ${t.dir}/from-source; grep -c " ${t.dir} " /proc/self/mountinfo`,
      (rootfs) => fs.mkdirSync(path.join(rootfs, t.dir), { recursive: true }));
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.out)).toEqual(['from-source', '1000', '1']);
  });

  it('an absolute symlink to /etc: the bind covers the container\'s /etc, never the host\'s', () => {
    const t = hostTarget();
    const src = bindSource();
    const passwd = sha256('/etc/passwd');
    const r = attempt(t, { 'mnt/etc': '/etc' }, [{ destination: '/mnt/etc', type: 'bind', source: src, options: ['rbind', 'ro'] }],
      'ls /etc; echo --; ls /mnt/etc/');
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.out)).toEqual(['from-source', '--', 'from-source']);
    expect(sha256('/etc/passwd')).toBe(passwd);
    expect(mountPoints()).not.toContain('/etc');
  });

  it('a relative symlink climbing out (../../../..<host dir>): the tmpfs lands inside the rootfs', () => {
    const t = hostTarget();
    const r = attempt(t, { 'mnt/rel': `${UP}${t.dir.slice(1)}` }, [{ destination: '/mnt/rel', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] }],
      `echo inside > /mnt/rel/written && cat ${t.dir}/written; grep -c " ${t.dir} tmpfs\\| ${t.dir} .* tmpfs " /proc/self/mountinfo`,
      (rootfs) => fs.mkdirSync(path.join(rootfs, t.dir), { recursive: true }));
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.out)[0]).toBe('inside');
    expect(fs.existsSync(path.join(t.dir, 'written'))).toBe(false);
  });

  it('an absolute symlink to a host directory missing in the rootfs: made inside the rootfs, or refused — never on the host', () => {
    const t = hostTarget();
    const src = bindSource();
    const r = attempt(t, { 'mnt/evil': `${t.dir}/made-by-runtime` }, [{ destination: '/mnt/evil', type: 'bind', source: src, options: ['rbind'] }],
      'ls /mnt/evil');
    expect(fs.existsSync(path.join(t.dir, 'made-by-runtime'))).toBe(false);
    if (r.status === 0) expect(lines(r.out)).toEqual(['from-source']);
  });

  it('a nested destination under a symlinked parent (mount-point creation, CVE-2024-45310): created inside the rootfs, or refused', () => {
    const t = hostTarget();
    const r = attempt(t, { 'mnt/parent': t.dir }, [
      { destination: '/mnt/parent/a/b/c', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] },
      { destination: '/mnt/parent/x/y/file', type: 'bind', source: '/etc/hostname', options: ['bind', 'ro'] },
    ], 'grep -c " /mnt/parent/a/b/c \\| /.*/a/b/c " /proc/self/mountinfo; ls /mnt/parent/x/y');
    // nothing was created on the host: no a/b/c, no x/y/file
    expect(fs.existsSync(path.join(t.dir, 'a'))).toBe(false);
    expect(fs.existsSync(path.join(t.dir, 'x'))).toBe(false);
    if (r.status === 0) {
      expect(lines(r.out)).toEqual(['1', 'file']);
      // they are in the rootfs, where the link leads inside it
      expect(fs.statSync(path.join(r.rootfs, t.dir, 'a/b/c')).isDirectory()).toBe(true);
    }
  });

  it('a relative symlinked parent climbing out: the directories are created inside the rootfs, or refused', () => {
    const t = hostTarget();
    const r = attempt(t, { 'mnt/up': `${UP}${t.dir.slice(1)}` }, [
      { destination: '/mnt/up/deep/er', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] },
    ], 'echo ok > /mnt/up/deep/er/f && cat /mnt/up/deep/er/f');
    expect(fs.existsSync(path.join(t.dir, 'deep'))).toBe(false);
    if (r.status === 0) expect(lines(r.out)).toEqual(['ok']);
  });

  it('a file bind mount whose destination is a symlink to a host file: the host file is neither covered nor changed', () => {
    const t = hostTarget();
    const hostFile = path.join(t.dir, 'host-file');
    const src = bindSource();
    const r = attempt(t, { 'etc/evil-file': hostFile }, [{ destination: '/etc/evil-file', type: 'bind', source: path.join(src, 'from-source'), options: ['bind', 'rw'] }],
      'cat /etc/evil-file; echo overwritten > /etc/evil-file; true');
    expect(fs.readFileSync(hostFile, 'utf8')).toBe('host\n');
    if (r.status === 0) expect(lines(r.out)[0]).toBe('source');
  });

  it('a symlink loop as destination: a clear error, nothing left', () => {
    const t = hostTarget();
    const r = attempt(t, { 'mnt/loop1': '/mnt/loop2', 'mnt/loop2': '/mnt/loop1' }, [{ destination: '/mnt/loop1', type: 'tmpfs', source: 'tmpfs' }], 'true');
    expect(r.status).not.toBe(0);
    expect(r.err).toMatch(/\/mnt\/loop1/);
  });
});
