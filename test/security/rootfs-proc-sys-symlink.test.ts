// CVE-2019-19921, CVE-2023-27561, CVE-2023-28642: /proc and /sys of the rootfs must be
// real directories. An image that makes them symlinks (to a host path, or up and out of
// the rootfs) is refused with a clear error, and nothing is mounted anywhere.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestScope, hostMountsMentioning, lines, ocirtToFiles, sh } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';
import { mountPoints, snapshotTree } from '../helpers/security';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

describe.skipIf(!isRoot)('/proc and /sys symlinks in the image (needs root)', () => {
  const cases: Array<[string, string, (target: string) => string]> = [
    ['/proc', 'an absolute host directory', (t) => t],
    ['/proc', '../../.. (out of the rootfs)', () => '../../..'],
    ['/sys', 'an absolute host directory', (t) => t],
    ['/sys', '../../.. (out of the rootfs)', () => '../../..'],
    ['/proc', 'a relative path to a host directory', (t) => `../../../../../../../..${t}`],
  ];

  for (const [dir, what, link] of cases) {
    it(`${dir} -> ${what}: create refused naming ${dir}, nothing mounted, the target untouched`, () => {
      const target = scope.scratch('ocirt-procsym-target-');
      fs.writeFileSync(path.join(target, 'keep'), 'host file\n');
      const before = snapshotTree(target);
      const mountsBefore = mountPoints();
      const id = scope.id('procsym');
      const b = scope.bundle(sh('true'));
      fs.rmSync(path.join(b.rootfs, dir.slice(1)), { recursive: true, force: true });
      fs.symlinkSync(link(target), path.join(b.rootfs, dir.slice(1)));
      const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir });
      expect(r.status).toBe(1);
      expect(lines(r.stderr), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^ocirt: /);
      expect(r.stderr).toContain(dir);
      expect(r.stderr).toMatch(/symlink/);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
      expect(snapshotTree(target)).toEqual(before);
      expect(hostMountsMentioning(target)).toEqual([]);
      // not one mount more on the host (the host's "/" and /proc included)
      expect(mountPoints().filter((m) => !mountsBefore.includes(m) && !m.startsWith('/run/') && !m.includes('ocirt-test-'))).toEqual([]);
      expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
      expect(scope.leftovers()).toEqual([]);
    });
  }

  it('a proc mount at another destination that is a symlink is refused as well', () => {
    const target = scope.scratch('ocirt-procsym-target-');
    const before = snapshotTree(target);
    const id = scope.id('procsym2');
    const b = scope.bundle(sh('true'), (s) => {
      s.mounts!.push({ destination: '/proc2', type: 'proc', source: 'proc' });
    });
    fs.symlinkSync(target, path.join(b.rootfs, 'proc2'));
    const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/proc2');
    expect(r.stderr).toMatch(/symlink/);
    expect(snapshotTree(target)).toEqual(before);
    expect(hostMountsMentioning(target)).toEqual([]);
    expect(scope.leftovers()).toEqual([]);
  });

  it('a symlink in a parent of /sys/fs/cgroup (the cgroup mounts under a symlinked /sys) is refused', () => {
    const target = scope.scratch('ocirt-syssym-target-');
    fs.mkdirSync(path.join(target, 'fs/cgroup'), { recursive: true });
    const before = snapshotTree(target);
    const id = scope.id('syssym');
    const b = scope.bundle(sh('true'));
    fs.rmSync(path.join(b.rootfs, 'sys'), { recursive: true, force: true });
    fs.symlinkSync(target, path.join(b.rootfs, 'sys'));
    const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/symlink/);
    expect(snapshotTree(target)).toEqual(before);
    expect(hostMountsMentioning(target)).toEqual([]);
    expect(scope.leftovers()).toEqual([]);
  });
});
