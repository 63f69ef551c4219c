// Hostile container ids: only [A-Za-z0-9_+.-], not "." or "..", at most 255 bytes. Every
// verb refuses anything else before any file is touched: the state root stays empty, a
// neighbour a traversal would reach is intact, the bundle and the cwd are unchanged.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestScope, lines, sh } from '../helpers/containers';
import { OCIRT } from '../helpers/ocirt-cli';
import { mapLimit, runToFilesAsync, snapshotTree } from '../helpers/security';

const scope = new TestScope();

afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const BAD_IDS: Array<[string, string]> = [
  ['../x', 'parent traversal'],
  ['../../../../../../tmp/x', 'deep traversal'],
  ['a/b', 'slash'],
  ['/abs', 'absolute path'],
  ['`touch pwned`', 'backquotes'],
  ['$(touch pwned)', 'command substitution'],
  ['', 'empty'],
  ['a'.repeat(1024), '1 KB long'],
  ['a'.repeat(256), '256 bytes (NAME_MAX + 1)'],
  ['é'.repeat(128), '128 two-byte characters (256 bytes)'],
  ['..', 'dot-dot'],
  ['.', 'dot'],
  ['x\ny', 'newline'],
  ['x\ty', 'tab'],
  ['a b', 'space'],
  ['*', 'glob'],
  ['x;y', 'semicolon'],
  ['ｘ', 'fullwidth letter'],
  ['x\u202ey', 'right-to-left override'],
];

describe('hostile container ids, refused by every verb before any file is touched', () => {
  for (const [id, what] of BAD_IDS) {
    it(`${what}: ${JSON.stringify(id.length > 40 ? `${id.slice(0, 12)}…` : id)}`, async () => {
      const base = scope.scratch('ocirt-ids-');
      const root = path.join(base, 'root');
      fs.mkdirSync(root);
      // what a traversal from the root would reach
      fs.mkdirSync(path.join(base, 'x'));
      fs.writeFileSync(path.join(base, 'x', 'state.json'), '{}');
      const cwd = path.join(base, 'cwd');
      fs.mkdirSync(cwd);
      const bundle = scope.bundle(sh('true'));
      const before = { base: snapshotTree(base), bundle: snapshotTree(bundle.dir) };
      const verbs = [
        ['create', '--bundle', bundle.dir, id],
        ['run', '--bundle', bundle.dir, id],
        ['run', '--detach', '--bundle', bundle.dir, id],
        ['start', id],
        ['state', id],
        ['kill', id, 'KILL'],
        ['kill', '--all', id, 'KILL'],
        ['delete', id],
        ['delete', '--force', id],
        ['pause', id],
        ['resume', id],
        ['ps', id],
        ['events', '--stats', id],
        ['update', '--pids-limit', '10', id],
        ['exec', id, 'true'],
      ];
      const outDir = scope.scratch('ocirt-ids-out-');
      const results = await mapLimit(verbs, 4, (args) => runToFilesAsync([OCIRT, '--root', root, ...args], outDir, { cwd, timeoutMs: 30_000 }));
      results.forEach((r, i) => {
        const what = `${verbs[i].join(' ')}`;
        expect(r.timedOut, what).toBe(false);
        expect(r.signal, what).toBeNull();
        // runc's exec exits 255 for its own errors; every other verb 1
        expect(verbs[i][0] === 'exec' ? [1, 255] : [1], `${what}: ${r.stderr}`).toContain(r.status);
        expect(r.stderr, what).toMatch(/invalid container id|missing argument|unknown command/);
        expect(r.stderr, what).not.toMatch(/^\s+at |internal error/m);
        expect(r.stdout, what).toBe('');
      });
      // the state root stays empty; nothing else changed
      expect(fs.readdirSync(root)).toEqual([]);
      expect(snapshotTree(base).filter((l) => !l.startsWith('root '))).toEqual(before.base.filter((l) => !l.startsWith('root ')));
      expect(snapshotTree(bundle.dir)).toEqual(before.bundle);
      expect(fs.readdirSync(cwd)).toEqual([]);
    });
  }

  it('an invalid id error is a single line even for a 1 KB id (quoted, shortened)', async () => {
    const outDir = scope.scratch('ocirt-ids-out-');
    const r = await runToFilesAsync([OCIRT, '--root', scope.root, 'state', `${'x'.repeat(1024)}\n../../etc`], outDir);
    expect(r.status).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr.length).toBeLessThan(400);
  });
});
