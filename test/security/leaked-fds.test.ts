// CVE-2024-21626: only 0, 1, 2 and the --preserve-fds range may reach the container
// process. A caller (an engine, a shim) that leaks descriptors without O_CLOEXEC, among
// them handles on host directories, must not give the container a way out through
// /proc/self/fd/N: neither as fds of the process nor as its cwd.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestScope, lines, ocirtToFiles, sh, stateOf } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';
import { pollFor } from '../helpers/security';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** A host directory holding a file whose name would show that the container got there. */
function hostSecretDir(): { dir: string; marker: string } {
  const dir = scope.scratch('ocirt-hostdir-');
  const marker = `HOST-SECRET-${process.pid}`;
  fs.writeFileSync(path.join(dir, marker), 'secret\n');
  return { dir, marker };
}

/**
 * Opens fds the way a careless caller leaks them: a host directory, a file in it, the
 * host's "/" and the test's own state root (runc's CVE leaked a cgroup directory).
 * Node opens them with O_CLOEXEC, but spawn's extra stdio entries are dup2'ed into the
 * child without it: ocirt receives them as plain inherited fds 3, 4, ...
 */
function leakedFds(dir: string): number[] {
  const fds = [
    fs.openSync(dir, 'r'),
    fs.openSync(path.join(dir, fs.readdirSync(dir)[0]), 'r'),
    fs.openSync('/', 'r'),
    fs.openSync(scope.root, 'r'),
  ];
  return fds;
}

/** In the container: every open fd of the shell, then every N in 3..64 the process can `cd` into or read through. */
const PROBE = [
  'for n in $(seq 0 64); do [ -e /proc/$$/fd/$n ] && echo "fd $n"; done',
  'for n in $(seq 3 64); do',
  '  (cd -P /proc/self/fd/$n 2>/dev/null && echo "cd $n: $(ls -A | tr "\\n" " ")")',
  '  (cat /proc/self/fd/$n > /dev/null 2>&1 && echo "read $n")',
  'done',
  'true',
].join('\n');

describe.skipIf(!isRoot)('leaked file descriptors, CVE-2024-21626 (needs root)', () => {
  it('fds leaked by the caller (host dirs and files) do not reach the process: exactly 0, 1, 2', () => {
    const { dir, marker } = hostSecretDir();
    const fds = leakedFds(dir);
    try {
      const b = scope.bundle(sh(PROBE));
      const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, scope.id('leak')], { dir: b.dir, extraFds: fds });
      expect(r.err()).toBe('');
      expect(r.status).toBe(0);
      expect(lines(r.out())).toEqual(['fd 0', 'fd 1', 'fd 2']);
      expect(r.out()).not.toContain(marker);
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
  });

  it('create + start: the started process holds only 0, 1, 2 (seen from the host), whatever create and start leaked', async () => {
    const { dir } = hostSecretDir();
    const fds = leakedFds(dir);
    const id = scope.id('leak-cs');
    try {
      const b = scope.bundle(sh('exec sleep 1000'));
      const c = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir, extraFds: fds });
      expect(c.stderr).toBe('');
      expect(c.status).toBe(0);
      const s = ocirtToFiles(scope.root, ['start', id], { dir: b.dir, extraFds: fds });
      expect(s.stderr).toBe('');
      expect(s.status).toBe(0);
      const pid = stateOf(scope.root, id).pid;
      // once sleep runs (after exec), its fds are what the container process got
      const fdList = await pollFor(() => {
        const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmd.startsWith('sleep\0') ? fs.readdirSync(`/proc/${pid}/fd`).map(Number).sort((x, y) => x - y) : undefined;
      });
      expect(fdList).toEqual([0, 1, 2]);
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });

  it('--preserve-fds 2: fds 3 and 4 (a file and a directory) arrive, the leaked ones after them do not', () => {
    const { dir, marker } = hostSecretDir();
    const passedDir = scope.scratch('ocirt-passed-');
    fs.writeFileSync(path.join(passedDir, 'passed-file'), 'passed\n');
    const preserved = [fs.openSync(path.join(passedDir, 'passed-file'), 'r'), fs.openSync(passedDir, 'r')];
    const leaked = leakedFds(dir);
    try {
      const b = scope.bundle(sh(PROBE));
      const r = ocirtToFiles(scope.root, ['run', '--preserve-fds', '2', '--bundle', b.dir, scope.id('pfds')], {
        dir: b.dir,
        extraFds: [...preserved, ...leaked],
      });
      expect(r.err()).toBe('');
      expect(r.status).toBe(0);
      const out = lines(r.out());
      expect(out.filter((l) => l.startsWith('fd '))).toEqual(['fd 0', 'fd 1', 'fd 2', 'fd 3', 'fd 4']);
      // what was passed on purpose works; nothing else does
      expect(out).toContain('read 3');
      expect(out).toContainEqual(expect.stringMatching(/^cd 4: passed-file $/));
      expect(out.filter((l) => !/^fd /.test(l) && !/^(read|cd) [34]\b/.test(l))).toEqual([]);
      expect(r.out()).not.toContain(marker);
    } finally {
      for (const fd of [...preserved, ...leaked]) fs.closeSync(fd);
    }
  });

  it('process.cwd /proc/self/fd/N (N = 3..12) with host directories leaked: refused, or a cwd inside the container', () => {
    const { dir, marker } = hostSecretDir();
    const fds = leakedFds(dir);
    try {
      for (let n = 3; n <= 12; n++) {
        const id = scope.id('cwdfd');
        const b = scope.bundle(sh('pwd; ls -A; ls -A ../../..; cat /proc/self/cwd/*/HOST-SECRET* 2>/dev/null; true'), (s) => {
          s.process!.cwd = `/proc/self/fd/${n}`;
        });
        const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, id], { dir: b.dir, extraFds: fds });
        expect(r.out(), `cwd /proc/self/fd/${n}`).not.toContain(marker);
        expect(r.out(), `cwd /proc/self/fd/${n}`).not.toContain('secret');
        if (r.status !== 0) {
          // refused: one clear line, nothing left behind
          expect(lines(r.err()), r.err()).toHaveLength(1);
          expect(r.err()).toMatch(/^ocirt: /);
          expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
        }
      }
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
    expect(scope.leftovers()).toEqual([]);
  });
});
