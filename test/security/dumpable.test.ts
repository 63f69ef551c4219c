// Dumpable helpers: the runtime's init sits in the container's namespaces until `start`.
// It must stay non-dumpable, so that processes in those namespaces (here: a second
// container joined to its pid namespace) cannot read its environ, mem, fds, root or cwd.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, lines, ocirtToFiles, sh, stateOf } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const TARGETS = ['environ', 'mem', 'fd', 'root', 'cwd', 'map_files', 'maps', 'auxv', 'exe', 'syscall'];

/**
 * For pid $1: each /proc entry, READ when it could be read or followed, denied
 * otherwise. The names in fd/ and map_files/ may be listed by the same uid (a matter of
 * file modes, as with runc's init); what counts is that no entry can be followed.
 */
const PROBE = [
  'p=$1',
  'for t in environ mem maps auxv syscall; do if (cat /proc/$p/$t > /dev/null) 2>/dev/null; then echo "$t:READ"; else echo "$t:denied"; fi; done',
  'for t in root cwd; do if (ls /proc/$p/$t/ > /dev/null) 2>/dev/null; then echo "$t:READ"; else echo "$t:denied"; fi; done',
  'for t in fd map_files; do',
  '  r=denied',
  '  for f in $(ls /proc/$p/$t 2>/dev/null); do',
  '    readlink /proc/$p/$t/$f > /dev/null 2>&1 && r=READ',
  '    (cd /proc/$p/$t/$f) 2>/dev/null && r=READ',
  '    (head -c 1 /proc/$p/$t/$f > /dev/null) 2>/dev/null && r=READ',
  '  done',
  '  echo "$t:$r"',
  'done',
  'if readlink /proc/$p/exe > /dev/null 2>&1; then echo "exe:READ"; else echo "exe:denied"; fi',
].join('\n');

function parse(out: string): Record<string, string> {
  return Object.fromEntries(lines(out).map((l) => l.split(':') as [string, string]));
}

/** Container A, created (its init waits for start), with this process user and no capabilities. */
function createA(user: { uid: number; gid: number }) {
  const id = scope.id('dumpA');
  const b = scope.bundle(sh('exec sleep 1000'), (s) => {
    s.process!.user = user;
    s.process!.capabilities = {};
    s.process!.env = ['PATH=/bin', 'SECRET_OF_A=hunter2'];
  });
  const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return { id, pid: stateOf(scope.root, id).pid };
}

/** Container B in A's pid namespace runs PROBE on `target` (pid 1 = A's init). */
function probeFromB(aPid: number, target: string, edit?: (s: Spec) => void) {
  const r = scope.run(['sh', '-c', PROBE, 'probe', target], (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'pid' ? { type: 'pid', path: `/proc/${aPid}/ns/pid` } : n));
    edit?.(s);
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return parse(r.stdout);
}

const ALL_DENIED = Object.fromEntries(TARGETS.map((t) => [t, 'denied']));

describe.skipIf(!isRoot)('dumpable: the waiting init cannot be inspected from the container (needs root)', () => {
  it('root in a container sharing its pid namespace cannot read the init\'s environ, mem, fds, root, cwd, maps...', () => {
    const a = createA({ uid: 0, gid: 0 });
    expect(probeFromB(a.pid, '1')).toEqual(ALL_DENIED);
    // the probe itself works: its own process is readable
    const own = probeFromB(a.pid, 'self');
    expect(own.environ).toBe('READ');
    expect(own.fd).toBe('READ');
    expect(scope.ocirt(['delete', '--force', a.id]).status).toBe(0);
  });

  it('the same uid and no capabilities on both sides: only non-dumpability protects the init, and it does', () => {
    // A's init has already switched to uid 1000 with no capabilities when it waits; a
    // process of the same uid with no capabilities passes every other ptrace check.
    const a = createA({ uid: 1000, gid: 1000 });
    const got = probeFromB(a.pid, '1', (s) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.capabilities = {};
    });
    expect(got).toEqual(ALL_DENIED);
    expect(scope.ocirt(['delete', '--force', a.id]).status).toBe(0);
  });

  it('after start, the user process is the container\'s own (control: the probe can read a dumpable process of its uid)', () => {
    const a = createA({ uid: 1000, gid: 1000 });
    expect(scope.ocirt(['start', a.id]).status).toBe(0);
    // wait until pid 1 is sleep (exec done): the same probe now reads it
    let got: Record<string, string> = {};
    for (let i = 0; i < 200; i++) {
      got = probeFromB(a.pid, '1', (s) => {
        s.process!.user = { uid: 1000, gid: 1000 };
        s.process!.capabilities = {};
      });
      if (got.environ === 'READ') break;
    }
    expect(got.environ).toBe('READ');
    expect(scope.ocirt(['delete', '--force', a.id]).status).toBe(0);
  });
});
