// process.cwd is entered after pivot_root and resolved in the container: a cwd through a
// symlink of the image that points at a host directory (absolute or climbing out with
// ..), or a cwd full of "..", stays inside the container; directories made for a missing
// cwd are made inside the rootfs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestScope, lines, ocirtToFiles } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';
import { snapshotTree } from '../helpers/security';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const UP = '../'.repeat(16);
const MARKER = `HOST-CWD-MARKER-${process.pid}`;

/** In the container: where am I, what is here and above, and write a file here. */
const PROBE = 'pwd; ls -A; ls -A ..; ls -A ../../../..; touch written-by-container 2>/dev/null; true';

function cwdAttack(cwd: string, links: Record<string, (host: string) => string>) {
  const host = scope.scratch('ocirt-cwd-host-');
  fs.writeFileSync(path.join(host, MARKER), 'host\n');
  const before = snapshotTree(host);
  const id = scope.id('cwd');
  const b = scope.bundle(['sh', '-c', PROBE], (s) => {
    s.process!.cwd = cwd.replace('HOST', host);
  });
  // a writable root, so that the container could write through a bad cwd
  b.spec.root!.readonly = false;
  b.save();
  for (const [link, to] of Object.entries(links)) fs.symlinkSync(to(host), path.join(b.rootfs, link));
  const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, id], { dir: b.dir });
  expect(r.out()).not.toContain(MARKER);
  expect(snapshotTree(host), 'the host directory changed').toEqual(before);
  if (r.status !== 0) {
    expect(lines(r.err()), r.err()).toHaveLength(1);
    expect(r.err()).toMatch(/^ocirt: /);
    expect(r.err()).not.toMatch(/internal error/);
  } else {
    expect(r.err()).toBe('');
  }
  expect(scope.leftovers()).toEqual([]);
  return { r, rootfs: b.rootfs, host };
}

describe.skipIf(!isRoot)('process.cwd through hostile paths (needs root)', () => {
  it('cwd is an image symlink to an absolute host directory: the process stays inside', () => {
    const { r, rootfs, host } = cwdAttack('/work', { work: (h) => h });
    if (r.status === 0) {
      expect(lines(r.out())[0]).toBe('/work');
      // what the process wrote is in the rootfs, where the link leads inside it
      expect(fs.existsSync(path.join(rootfs, host, 'written-by-container'))).toBe(true);
    }
  });

  it('cwd is an image symlink climbing out with ../..: the process stays inside', () => {
    cwdAttack('/work', { work: (h) => `${UP}${h.slice(1)}` });
  });

  it('cwd below an image symlink to a host directory, missing: created inside the rootfs (or refused)', () => {
    const { r, rootfs, host } = cwdAttack('/work/sub/deeper', { work: (h) => h });
    expect(fs.existsSync(path.join(host, 'sub'))).toBe(false);
    if (r.status === 0) expect(fs.statSync(path.join(rootfs, host, 'sub/deeper')).isDirectory()).toBe(true);
  });

  it('cwd full of ".." naming a host directory: resolved in the container\'s root', () => {
    const { r, rootfs, host } = cwdAttack(`/${UP}HOST`, {});
    if (r.status === 0) {
      expect(lines(r.out())[0]).toBe(host);
      expect(fs.existsSync(path.join(rootfs, host, 'written-by-container'))).toBe(true);
    }
  });

  it('cwd through an image symlink into /proc/self/root/.. (a magic link): refused or inside', () => {
    const { r } = cwdAttack('/work', { work: () => '/proc/self/root/../../..' });
    if (r.status === 0) expect(lines(r.out())[0]).toMatch(/^\//);
  });

  it('cwd naming /proc/1/cwd/.. (the init\'s own cwd, a magic link): refused or inside', () => {
    const { r } = cwdAttack('/proc/1/cwd/..', {});
    if (r.status === 0) expect(lines(r.out())[0]).toMatch(/^\//);
  });
});
