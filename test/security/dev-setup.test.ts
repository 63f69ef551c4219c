// /dev set-up never touches host paths through a /dev symlink in the image (devices,
// /dev/pts, /dev/shm, the /dev links are all made inside the rootfs), and a file or
// symlink the image left at a device path is replaced, never followed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, hostMountsMentioning, lines, ocirtToFiles } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';
import { snapshotTree } from '../helpers/security';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const UP = '../'.repeat(16);

/** Drops the config's tmpfs on /dev: the image's own /dev is then where devices go. */
function withoutDevTmpfs(s: Spec): void {
  s.mounts = s.mounts!.filter((m) => m.destination !== '/dev');
}

/** Same, and without the mounts under /dev, so that only devices and links are made there. */
function withoutAnyDevMount(s: Spec): void {
  s.mounts = s.mounts!.filter((m) => m.destination !== '/dev' && !m.destination.startsWith('/dev/'));
}

const PROBE = 'stat -c "%F %t %T" /dev/null /dev/zero /dev/tty; echo x > /dev/null && echo null-ok';

function devAttack(link: (hostDir: string) => string, edit: (s: Spec) => void, pathInRootfs = 'dev') {
  const host = scope.scratch('ocirt-devsym-');
  fs.writeFileSync(path.join(host, 'keep'), 'host\n');
  const before = snapshotTree(host);
  const id = scope.id('devsym');
  const b = scope.bundle(['sh', '-c', PROBE], edit);
  const at = path.join(b.rootfs, pathInRootfs);
  fs.rmSync(at, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.symlinkSync(link(host), at);
  const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, id], { dir: b.dir });
  // the host directory got no device node, no directory, no link, no mount
  expect(snapshotTree(host), 'the host directory changed').toEqual(before);
  expect(hostMountsMentioning(host)).toEqual([]);
  if (r.status === 0) {
    expect(lines(r.out())).toEqual(['character special file 1 3', 'character special file 1 5', 'character special file 5 0', 'null-ok']);
  } else {
    expect(lines(r.err()), r.err()).toHaveLength(1);
    expect(r.err()).toMatch(/^ocirt: /);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  }
  expect(scope.leftovers()).toEqual([]);
  return r;
}

describe.skipIf(!isRoot)('/dev set-up through a hostile image (needs root)', () => {
  it('/dev -> an absolute host directory, default config (tmpfs on /dev): nothing made on the host', () => {
    devAttack((h) => h, () => {});
  });

  it('/dev -> a relative path out of the rootfs to a host directory: nothing made on the host', () => {
    devAttack((h) => `${UP}${h.slice(1)}`, () => {});
  });

  it('/dev -> a host directory, no tmpfs on /dev (devices go into the image\'s /dev): nothing made on the host', () => {
    devAttack((h) => h, withoutDevTmpfs);
  });

  it('/dev -> a host directory, no mount under /dev at all (only device nodes and links): nothing made on the host', () => {
    devAttack((h) => h, withoutAnyDevMount);
  });

  it('/dev/shm -> a host directory, no tmpfs on /dev: the shm mount does not land on the host', () => {
    devAttack((h) => h, withoutDevTmpfs, 'dev/shm');
  });

  it('/dev/pts -> a host directory, no tmpfs on /dev: the devpts mount does not land on the host', () => {
    devAttack((h) => h, withoutDevTmpfs, 'dev/pts');
  });

  for (const name of ['null', 'zero', 'tty', 'ptmx', 'fd', 'stdin']) {
    it(`/dev/${name} a symlink to a host file, no tmpfs on /dev: replaced, the host file untouched`, () => {
      const host = scope.scratch('ocirt-devfile-');
      const hostFile = path.join(host, 'victim');
      fs.writeFileSync(hostFile, 'host content\n');
      const id = scope.id('devfile');
      const b = scope.bundle(['sh', '-c', `${PROBE}; echo clobber > /dev/${name}; true`], withoutDevTmpfs);
      fs.mkdirSync(path.join(b.rootfs, 'dev'), { recursive: true });
      fs.symlinkSync(hostFile, path.join(b.rootfs, 'dev', name));
      const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, id], { dir: b.dir });
      expect(fs.readFileSync(hostFile, 'utf8')).toBe('host content\n');
      expect(fs.statSync(hostFile).isFile()).toBe(true);
      expect(fs.readdirSync(host)).toEqual(['victim']);
      if (r.status === 0) {
        expect(lines(r.out()).slice(0, 4)).toEqual(['character special file 1 3', 'character special file 1 5', 'character special file 5 0', 'null-ok']);
      } else {
        expect(lines(r.err()), r.err()).toHaveLength(1);
      }
      expect(scope.leftovers()).toEqual([]);
    });
  }
});
