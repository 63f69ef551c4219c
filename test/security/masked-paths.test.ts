// CVE-2025-31133: masked paths are covered with a /dev/null verified (by fd) to be the
// real null device. Whatever the image or the config put at /dev/null — a symlink to a
// host file, a regular file, another device, a bind mount — masking never binds it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, hostMountsMentioning, lines, ocirtToFiles } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const SECRET = 'secret-in-image';

/** maskedPaths covering a file of the image; the container prints it and what covers it. */
function maskedBundle(edit: (s: Spec) => void, prepare: (rootfs: string) => void) {
  const b = scope.bundle(['sh', '-c', 'cat /etc/secret; echo "[$(stat -c "%F %t %T" /etc/secret)]"; echo overwrite > /etc/secret 2>/dev/null; true'], (s) => {
    s.linux!.maskedPaths = [...(s.linux!.maskedPaths ?? []), '/etc/secret'];
    edit(s);
  });
  fs.writeFileSync(path.join(b.rootfs, 'etc/secret'), `${SECRET}\n`);
  prepare(b.rootfs);
  return b;
}

function withoutDevTmpfs(s: Spec): void {
  s.mounts = s.mounts!.filter((m) => m.destination !== '/dev');
}

/**
 * Either the masked file reads empty and is the null device, or create refused with
 * one clear line. Never the content of something else.
 */
function expectMaskedOrRefused(r: ReturnType<typeof ocirtToFiles>, forbidden: string[]): void {
  for (const f of forbidden) expect(r.out()).not.toContain(f);
  if (r.status === 0) {
    expect(lines(r.out())).toEqual(['[character special file 1 3]']);
  } else {
    expect(lines(r.err()), r.err()).toHaveLength(1);
    expect(r.err()).toMatch(/^ocirt: /);
    expect(r.err()).not.toMatch(/internal error/);
  }
  expect(scope.leftovers()).toEqual([]);
}

describe.skipIf(!isRoot)('masked paths and /dev/null (needs root)', () => {
  it('control: a masked file reads empty and is the null device', () => {
    const b = maskedBundle(() => {}, () => {});
    const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, scope.id('mask')], { dir: b.dir });
    expect(r.err()).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.out())).toEqual(['[character special file 1 3]']);
  });

  it('/dev/null in the image a symlink to a host file (no tmpfs on /dev): the host file is never bound nor written', () => {
    const host = scope.scratch('ocirt-null-');
    const hostFile = path.join(host, 'host-secret');
    fs.writeFileSync(hostFile, 'HOST-SECRET\n');
    const b = maskedBundle(withoutDevTmpfs, (rootfs) => {
      fs.rmSync(path.join(rootfs, 'dev/null'), { force: true });
      fs.symlinkSync(hostFile, path.join(rootfs, 'dev/null'));
    });
    const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, scope.id('mask')], { dir: b.dir });
    expectMaskedOrRefused(r, ['HOST-SECRET', SECRET]);
    expect(fs.readFileSync(hostFile, 'utf8')).toBe('HOST-SECRET\n');
    expect(hostMountsMentioning(hostFile)).toEqual([]);
  });

  it('/dev/null in the image a regular file (no tmpfs on /dev): masking does not use it', () => {
    const b = maskedBundle(withoutDevTmpfs, (rootfs) => {
      fs.rmSync(path.join(rootfs, 'dev/null'), { force: true });
      fs.writeFileSync(path.join(rootfs, 'dev/null'), 'IMAGE-FILE-AT-DEV-NULL\n');
    });
    const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, scope.id('mask')], { dir: b.dir });
    expectMaskedOrRefused(r, ['IMAGE-FILE-AT-DEV-NULL', SECRET]);
  });

  it('/dev/null in the image a symlink to another file of the image: masking does not use it', () => {
    const b = maskedBundle(withoutDevTmpfs, (rootfs) => {
      fs.writeFileSync(path.join(rootfs, 'etc/other'), 'OTHER-IMAGE-FILE\n');
      fs.rmSync(path.join(rootfs, 'dev/null'), { force: true });
      fs.symlinkSync('/etc/other', path.join(rootfs, 'dev/null'));
    });
    const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, scope.id('mask')], { dir: b.dir });
    expectMaskedOrRefused(r, ['OTHER-IMAGE-FILE', SECRET]);
  });

  it('a config device at /dev/null that is not the null device (1:5): masking refuses it', () => {
    const b = maskedBundle((s) => {
      s.linux!.devices = [{ path: '/dev/null', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 }];
    }, () => {});
    const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, scope.id('mask')], { dir: b.dir });
    expectMaskedOrRefused(r, [SECRET]);
  });

  it('a config bind mount of a host file onto /dev/null: masking never binds the host file', () => {
    const host = scope.scratch('ocirt-null-');
    const hostFile = path.join(host, 'host-secret');
    fs.writeFileSync(hostFile, 'HOST-SECRET\n');
    const b = maskedBundle((s) => {
      s.mounts!.push({ destination: '/dev/null', type: 'bind', source: hostFile, options: ['bind', 'rw'] });
    }, () => {});
    const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, scope.id('mask')], { dir: b.dir });
    expectMaskedOrRefused(r, ['HOST-SECRET', SECRET]);
    expect(fs.readFileSync(hostFile, 'utf8')).toBe('HOST-SECRET\n');
  });

  it('a masked path that is a symlink in the image to a host file: the host file is neither covered nor shown', () => {
    const host = scope.scratch('ocirt-null-');
    const hostFile = path.join(host, 'host-secret');
    fs.writeFileSync(hostFile, 'HOST-SECRET\n');
    const b = scope.bundle(['sh', '-c', 'cat /etc/link-secret 2>&1; true'], (s) => {
      s.linux!.maskedPaths = [...(s.linux!.maskedPaths ?? []), '/etc/link-secret'];
    });
    fs.symlinkSync(hostFile, path.join(b.rootfs, 'etc/link-secret'));
    const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, scope.id('mask')], { dir: b.dir });
    expect(r.out()).not.toContain('HOST-SECRET');
    expect(hostMountsMentioning(hostFile)).toEqual([]);
    expect(fs.readFileSync(hostFile, 'utf8')).toBe('HOST-SECRET\n');
    expect(scope.leftovers()).toEqual([]);
  });
});
