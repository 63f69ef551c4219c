// Paths the caller names (--pid-file, --log) and hook paths, with symlinks planted by
// someone who can write the directory; hooks that hang, also without reading their
// stdin, are killed at their timeout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestScope, lines, ocirtToFiles, sh, stateOf, waitForStatus } from '../helpers/containers';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';
import { runToFilesAsync } from '../helpers/security';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const BUSYBOX = '/bin/busybox';

/** A host file an attacker wants clobbered, and a check that it is intact. */
function victim(dir: string): { file: string; intact: () => void } {
  const file = path.join(dir, 'victim');
  fs.writeFileSync(file, 'VICTIM CONTENT\n');
  return {
    file,
    intact: () => {
      expect(fs.lstatSync(file).isFile()).toBe(true);
      expect(fs.readFileSync(file, 'utf8')).toBe('VICTIM CONTENT\n');
    },
  };
}

describe.skipIf(!isRoot)('--pid-file with planted symlinks (needs root)', () => {
  it('the pid file itself is a symlink to a host file: the link is replaced, its target untouched', () => {
    const dir = scope.scratch('ocirt-pidfile-');
    const v = victim(dir);
    const pidFile = path.join(dir, 'container.pid');
    fs.symlinkSync(v.file, pidFile);
    const id = scope.id('pidsym');
    const b = scope.bundle(sh('true'));
    const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, '--pid-file', pidFile, id], { dir: b.dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    v.intact();
    expect(fs.lstatSync(pidFile).isFile()).toBe(true);
    expect(fs.readFileSync(pidFile, 'utf8')).toBe(String(stateOf(scope.root, id).pid));
  });

  it('symlinks planted at the temporary names next to the pid file: no target is written', async () => {
    // The writer's temporary file is predictable (runc: ".<name>", ocirt: ".<name>.tmp-<pid>");
    // the shell below plants links at those names for its own pid, then execs ocirt, which
    // keeps that pid. runc opens its temporary file with O_EXCL.
    const dir = scope.scratch('ocirt-pidfile-');
    const v = victim(dir);
    const pidFile = path.join(dir, 'container.pid');
    const id = scope.id('pidtmp');
    const b = scope.bundle(sh('true'));
    const plant = ['.container.pid', '.container.pid.tmp', 'container.pid.tmp', '.container.pid.tmp-$$', 'container.pid.tmp-$$', '.container.pid.$$']
      .map((n) => `ln -s ${v.file} "${dir}/${n}"`)
      .join('; ');
    const r = await runToFilesAsync(['/bin/sh', '-c', `${plant}; exec "$0" "$@"`, OCIRT, '--root', scope.root, 'create', '--bundle', b.dir, '--pid-file', pidFile, id], dir);
    v.intact();
    if (r.status === 0) {
      expect(fs.lstatSync(pidFile).isFile(), 'the pid file is a regular file').toBe(true);
      expect(fs.readFileSync(pidFile, 'utf8')).toBe(String(stateOf(scope.root, id).pid));
    } else {
      // refusing (EEXIST, as runc's O_EXCL) is fine, cleanly
      expect(lines(r.stderr)).toHaveLength(1);
      expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    }
  });

  it('the pid file\'s directory does not exist: a clean error, nothing left behind', () => {
    const dir = scope.scratch('ocirt-pidfile-');
    const id = scope.id('piddir');
    const b = scope.bundle(sh('true'));
    const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, '--pid-file', path.join(dir, 'no/such/dir/pid'), id], { dir: b.dir });
    expect(r.status).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('no/such/dir/pid');
    expect(scope.leftovers()).toEqual([]);
  });
});

describe.skipIf(!isRoot)('--log with a symlink (needs root)', () => {
  it('a --log that is a symlink to a host file is only appended to (never truncated), as runc does', () => {
    const dir = scope.scratch('ocirt-log-');
    const v = victim(dir);
    const log = path.join(dir, 'ocirt.log');
    fs.symlinkSync(v.file, log);
    const r = scope.ocirt(['--log', log, '--log-format', 'json', 'state', 'no-such-container']);
    expect(r.status).toBe(1);
    const text = fs.readFileSync(v.file, 'utf8');
    expect(text.startsWith('VICTIM CONTENT\n')).toBe(true);
    for (const l of lines(text).slice(1)) expect(() => JSON.parse(l)).not.toThrow();
  });

  it('a --log that is a directory: the command still gives its own answer, one line of complaint', () => {
    const dir = scope.scratch('ocirt-log-');
    const r = scope.ocirt(['--log', dir, 'state', 'no-such-container']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('does not exist');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe.skipIf(!isRoot)('hook paths (needs root)', () => {
  it('a hook path that is a symlink to a binary runs it; a symlink loop or a directory fails create cleanly', () => {
    const dir = scope.scratch('ocirt-hookpath-');
    fs.symlinkSync(BUSYBOX, path.join(dir, 'link-to-busybox'));
    fs.symlinkSync(path.join(dir, 'loop2'), path.join(dir, 'loop1'));
    fs.symlinkSync(path.join(dir, 'loop1'), path.join(dir, 'loop2'));
    const ok = ocirtToFiles(scope.root, ['create', '--bundle', scope.bundle(sh('true'), (s) => {
      s.hooks = { prestart: [{ path: path.join(dir, 'link-to-busybox'), args: ['sh', '-c', `echo ran > ${dir}/ran`] }] };
    }).dir, scope.id('hooklink')]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'ran'), 'utf8')).toBe('ran\n');
    for (const bad of [path.join(dir, 'loop1'), dir]) {
      const id = scope.id('hookbad');
      const r = ocirtToFiles(scope.root, ['create', '--bundle', scope.bundle(sh('true'), (s) => {
        s.hooks = { prestart: [{ path: bad }] };
      }).dir, id]);
      expect(r.status).toBe(1);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toContain(bad);
      expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    }
  });
});

describe.skipIf(!isRoot)('hooks that hang are killed at their timeout (needs root)', () => {
  /** A large state on the hooks' stdin: far more than a pipe holds (64 KB). */
  const BIG = { big: 'x'.repeat(1024 * 1024) };

  for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
    it(`a ${kind} hook that never reads its 1 MB stdin and never exits: killed at its timeout, create fails, nothing left`, async () => {
      const id = scope.id(`hang-${kind}`);
      const b = scope.bundle(sh('true'), (s) => {
        s.annotations = BIG;
        s.hooks = { [kind]: [{ path: BUSYBOX, args: ['sleep', '600'], timeout: 1 }] };
      });
      // 60 s is only the bound of a hang here, far beyond the hook's 1 s timeout
      const r = await runToFilesAsync([OCIRT, '--root', scope.root, 'create', '--bundle', b.dir, id], b.dir, { timeoutMs: 60_000 });
      expect(r.timedOut, `create still waiting on the ${kind} hook long after its timeout`).toBe(false);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('timed out');
      expect(r.stderr).toContain(kind);
      expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
      expect(scope.leftovers()).toEqual([]);
    }, 90_000);
  }

  it('a startContainer hook that hangs without reading its stdin: killed, the container ends up stopped', async () => {
    const id = scope.id('hang-start');
    const b = scope.bundle(sh('echo must-not-run'), (s) => {
      s.annotations = BIG;
      s.hooks = { startContainer: [{ path: '/bin/sleep', args: ['sleep', '600'], timeout: 1 }] };
    });
    const c = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir });
    expect(c.status).toBe(0);
    scope.ocirt(['start', id]);
    // bounded wait: the init gives up on the hook after 1 s
    expect(waitForStatus(scope.root, id, 'stopped', 30_000)).toBe('stopped');
    expect(c.out()).not.toContain('must-not-run');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  }, 60_000);

  it('a poststart hook that hangs: killed at its timeout, start fails and the container is stopped', async () => {
    const id = scope.id('hang-poststart');
    const b = scope.bundle(sh('exec sleep 600'), (s) => {
      s.annotations = BIG;
      s.hooks = { poststart: [{ path: BUSYBOX, args: ['sleep', '600'], timeout: 1 }] };
    });
    expect(ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    const s = await runToFilesAsync([OCIRT, '--root', scope.root, 'start', id], b.dir, { timeoutMs: 60_000 });
    expect(s.timedOut).toBe(false);
    expect(s.status).not.toBe(0);
    expect(s.stderr).toMatch(/error running hook #0 \(poststart .*\): timed out after 1s/);
    expect(JSON.parse(scope.ocirt(['state', id]).stdout).status).toBe('stopped');
    expect(scope.ocirt(['delete', id]).status).toBe(0);
  }, 90_000);

  it('a poststop hook that hangs: killed at its timeout, delete succeeds and removes everything', async () => {
    const id = scope.id('hang-poststop');
    const b = scope.bundle(sh('true'), (s) => {
      s.annotations = BIG;
      s.hooks = { poststop: [{ path: BUSYBOX, args: ['sleep', '600'], timeout: 1 }] };
    });
    expect(ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    const d = await runToFilesAsync([OCIRT, '--root', scope.root, 'delete', '--force', id], b.dir, { timeoutMs: 60_000 });
    expect(d.timedOut).toBe(false);
    expect(d.status).toBe(0);
    expect(d.stderr).toMatch(/timed out/);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    expect(scope.leftovers()).toEqual([]);
  }, 90_000);
});
