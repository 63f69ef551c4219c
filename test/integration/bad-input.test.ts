// Hostile and broken input: invalid config.json, missing rootfs or executable, invalid
// container ids; `ocirt validate`. Each is refused clearly and leaves nothing behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, expectCleanError, lines, ocirtToFiles, sh } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** create with a bundle whose config.json is `text` (or edited by `edit`). */
function createWith(configText: string | null, edit?: (s: Spec) => void, args = sh('true')) {
  const id = scope.id('bad');
  const b = scope.bundle(args, edit);
  if (configText !== null) fs.writeFileSync(path.join(b.dir, 'config.json'), configText);
  const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir });
  return { id, bundle: b, r };
}

function expectNothingCreated(id: string): void {
  expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  expect(scope.ocirt(['list', '-q']).stdout).toBe('');
  expect(scope.leftovers()).toEqual([]);
}

describe.skipIf(!isRoot)('invalid config.json (needs root)', () => {
  it('not JSON: exit 1, the position of the syntax error, nothing created', () => {
    const { id, r } = createWith('{"ociVersion": "1.0.2", "process": {');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/config\.json/);
    expect(r.stderr).toMatch(/not valid JSON/);
    expect(r.stderr).toMatch(/line 1/);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.out()).toBe('');
    expectNothingCreated(id);
  });

  it('wrong types: each named by its JSON pointer', () => {
    const { id, r } = createWith(null, (s) => {
      (s.process!.user as unknown as { uid: string }).uid = '0';
      (s as unknown as { hostname: number }).hostname = 5;
      (s.process as unknown as { args: string }).args = 'sh -c true';
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/process/user/uid');
    expect(r.stderr).toContain('/hostname');
    expect(r.stderr).toContain('/process/args');
    expect(r.stderr).not.toMatch(/internal error/);
    expectNothingCreated(id);
  });

  it('a relative cwd names /process/cwd', () => {
    const { id, r } = createWith(null, (s) => {
      s.process!.cwd = 'relative/dir';
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/process\/cwd: .*absolute/);
    expectNothingCreated(id);
  });

  it('an unknown rlimit names /process/rlimits/N/type', () => {
    const { id, r } = createWith(null, (s) => {
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 10 }, { type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }];
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/process\/rlimits\/1\/type: .*RLIMIT_BOGUS/);
    expectNothingCreated(id);
  });

  it('an unknown capability names its pointer', () => {
    const { id, r } = createWith(null, (s) => {
      s.process!.capabilities!.bounding!.push('CAP_NOT_A_THING');
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/process\/capabilities\/bounding\/3/);
    expect(r.stderr).toContain('CAP_NOT_A_THING');
    expectNothingCreated(id);
  });

  it('a negative uid is refused', () => {
    const { id, r } = createWith(null, (s) => {
      s.process!.user!.uid = -1;
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/process\/user\/uid: /);
    expectNothingCreated(id);
  });

  it('an rlimit beyond uint64 is refused naming its pointer (as runc refuses to parse it)', () => {
    // 18446744073709551616 = 2^64: one more than the largest uint64
    const spec = scope.bundle(sh('true')).spec;
    spec.process!.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 987654321, soft: 987654321 }];
    const text = JSON.stringify(spec).replace(/987654321/g, '18446744073709551616');
    const { id, r } = createWith(text);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/process\/rlimits\/0\/(soft|hard): /);
    expectNothingCreated(id);
  });

  it('a missing config.json is reported with its path', () => {
    const id = scope.id('noconfig');
    const bundle = scope.bundle(sh('true'));
    fs.rmSync(path.join(bundle.dir, 'config.json'));
    const again = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(path.join(bundle.dir, 'config.json'));
    expectNothingCreated(id);
  });

  it('a missing rootfs names /root/path and the directory', () => {
    const { id, bundle, r } = createWith(null, (s) => {
      s.root!.path = 'no-such-rootfs';
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/root/path');
    expect(r.stderr).toContain(path.join(bundle.dir, 'no-such-rootfs'));
    expectNothingCreated(id);
  });

  it('a rootfs that is a file is refused', () => {
    const { id, r } = createWith(null, (s) => {
      s.root!.path = 'config.json';
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/root/path');
    expect(r.stderr).toMatch(/not a directory/);
    expectNothingCreated(id);
  });
});

describe.skipIf(!isRoot)('missing executable (needs root)', () => {
  it('a name not in $PATH fails create with "executable file not found in $PATH" and leaves nothing', () => {
    const { id, r } = createWith(null, undefined, ['no-such-program']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('executable file not found in $PATH');
    expect(r.stderr).toContain('no-such-program');
    expect(lines(r.stderr)).toHaveLength(1);
    expectNothingCreated(id);
  });

  it('an absolute path that does not exist fails with "no such file or directory"', () => {
    const { id, r } = createWith(null, undefined, ['/usr/bin/nothing-here']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/usr\/bin\/nothing-here.*no such file or directory/);
    expectNothingCreated(id);
  });

  it('run with a missing executable fails the same way', () => {
    const id = scope.id('run-noexe');
    const r = scope.run(['no-such-program'], undefined, [], id);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('executable file not found in $PATH');
    expect(r.stdout).toBe('');
    expectNothingCreated(id);
  });

  it('an absolute path to a file that is not executable fails create with "permission denied"', () => {
    const { id, r } = createWith(null, undefined, ['/etc/passwd']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('exec: "/etc/passwd": permission denied');
    expect(lines(r.stderr)).toHaveLength(1);
    expectNothingCreated(id);
  });

  it('a directory as args[0] is refused', () => {
    const { id, r } = createWith(null, undefined, ['/etc']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/etc.*is a directory/);
    expectNothingCreated(id);
  });
});

describe('invalid container ids', () => {
  const BAD_IDS: Array<[string, string]> = [
    ['../x', 'parent path'],
    ['a/b', 'slash'],
    ['', 'empty'],
    ['a'.repeat(300), '300 characters'],
    ['..', 'dot-dot'],
    ['.', 'dot'],
    ['a b', 'space'],
    ['`id`', 'backquotes'],
    ['x\ny', 'newline'],
  ];

  for (const [id, what] of BAD_IDS) {
    it(`${what}: refused by every verb before any file is touched`, () => {
      const base = scope.scratch('ocirt-ids-');
      // a root that does not exist yet, and a neighbour a traversal would reach
      const root = path.join(base, 'root');
      fs.mkdirSync(path.join(base, 'x'));
      fs.writeFileSync(path.join(base, 'x', 'state.json'), '{}');
      const bundle = scope.bundle(sh('true'));
      for (const args of [
        ['create', '--bundle', bundle.dir, id],
        ['run', '--bundle', bundle.dir, id],
        ['state', id],
        ['start', id],
        ['kill', id, 'KILL'],
        ['delete', '--force', id],
      ]) {
        const r = ocirtToFiles(root, args, { dir: base });
        expect(r.status, `${args[0]} ${JSON.stringify(id)}`).not.toBe(0);
        expect(r.stderr, args[0]).toMatch(/invalid container id|missing argument/);
      }
      expect(fs.existsSync(root)).toBe(false);
      expect(fs.readFileSync(path.join(base, 'x', 'state.json'), 'utf8')).toBe('{}');
      expect(fs.readdirSync(base).filter((f) => !/^std(out|err)-/.test(f))).toEqual(['x']);
      expect(fs.readdirSync(bundle.dir).sort()).toEqual(['config.json', 'rootfs']);
    });
  }

  it.skipIf(!isRoot)('the longest valid id (255 characters) works (needs root)', () => {
    const id = `long-${process.pid}-`.padEnd(255, 'b');
    scope.ids.push(id);
    const r = scope.run(sh('echo long-id-ok'), undefined, [], id);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('long-id-ok\n');
  });

  it('an error about an invalid id is one clean line', () => {
    expectCleanError(scope.ocirt(['state', '../x']), 'invalid container id');
  });
});

describe('ocirt validate', () => {
  it('a good bundle: exit 0, "valid"', () => {
    const b = scope.bundle(sh('true'));
    const r = scope.ocirt(['validate', '--bundle', b.dir]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('valid');
    expect(r.stdout).not.toMatch(/error/);
  });

  it('a bad bundle: exit 1 and every problem listed with its pointer', () => {
    const b = scope.bundle(sh('true'), (s) => {
      s.process!.cwd = 'rel';
      s.process!.rlimits = [{ type: 'RLIMIT_WHAT', soft: 1, hard: 1 }];
      s.linux!.namespaces!.push({ type: 'pid' });
    });
    const r = scope.ocirt(['validate', '--bundle', b.dir]);
    expect(r.status).toBe(1);
    const errors = lines(r.stdout).filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(3);
    expect(r.stdout).toContain('/process/cwd');
    expect(r.stdout).toContain('/process/rlimits/0/type');
    expect(r.stdout).toContain('/linux/namespaces/6');
  });

  it('a missing executable is listed along with the config\'s other problems', () => {
    const b = scope.bundle(['no-such-program'], (s) => {
      s.process!.rlimits = [{ type: 'RLIMIT_WHAT', soft: 1, hard: 1 }];
    });
    const r = scope.ocirt(['validate', '--bundle', b.dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('/process/rlimits/0/type');
    expect(r.stdout).toContain('/process/args/0');
    expect(r.stdout).toContain('no-such-program');
  });

  it('a missing executable alone makes the bundle invalid', () => {
    const b = scope.bundle(['no-such-program']);
    const r = scope.ocirt(['validate', '--bundle', b.dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/\/process\/args\/0: .*no-such-program/);
  });

  it('--format json: {valid, problems:[{pointer, reason}]}', () => {
    const bad = scope.bundle(sh('true'), (s) => {
      s.process!.cwd = 'rel';
      s.root!.path = 'missing-rootfs';
    });
    const r = scope.ocirt(['validate', '--format', 'json', '--bundle', bad.dir]);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { valid: boolean; problems: Array<{ pointer: string; reason: string }> };
    expect(report.valid).toBe(false);
    const pointers = report.problems.map((p) => p.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/process/cwd']));
    for (const p of report.problems) expect(typeof p.reason).toBe('string');

    const good = scope.bundle(sh('true'));
    const ok = scope.ocirt(['validate', '--format', 'json', '--bundle', good.dir]);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, problems: [] });
  });

  it('validate creates nothing', () => {
    const b = scope.bundle(sh('true'));
    const before = fs.readdirSync(b.dir).sort();
    expect(scope.ocirt(['validate', '--bundle', b.dir]).status).toBe(0);
    expect(fs.readdirSync(b.dir).sort()).toEqual(before);
    expect(fs.existsSync(scope.root) ? fs.readdirSync(scope.root) : []).toEqual([]);
  });

  it('a bundle without config.json', () => {
    const dir = scope.scratch('ocirt-empty-bundle-');
    const r = scope.ocirt(['validate', '--bundle', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(path.join(dir, 'config.json'));
  });
});
