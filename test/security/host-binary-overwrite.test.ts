// CVE-2019-5736: a container that reaches /proc/<pid>/exe of a runtime process (the init
// before `start`, or the runtime re-executed through a `#!/proc/self/exe` entrypoint) must
// find an anonymous sealed copy, never a writable host binary (node, ocirt-init...).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, lines, ocirtToFiles, processesInCgroupOf, sh, stateOf } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';
import { INIT_BINARY, O_PATH, copyDynamicDeps, hashHostBinaries, pollFor, readIfExists, sha256 } from '../helpers/security';

const scope = new TestScope();
let hashesBefore: Record<string, string> = {};

beforeAll(() => {
  hashesBefore = hashHostBinaries();
});
afterEach(() => scope.reset());
afterAll(() => {
  // Whatever the tests did, no host binary changed.
  expect(hashHostBinaries()).toEqual(hashesBefore);
  expect(scope.finish()).toEqual([]);
});

const REFUSED = ['ETXTBSY', 'EPERM', 'EACCES'];

/** Tries to open `file` for writing in every way an attacker would; returns what happened to each. */
function writeAttempts(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const attempt = (name: string, open: () => number) => {
    let fd = -1;
    try {
      fd = open();
      try {
        fs.writeSync(fd, 'x', 0);
        out[name] = 'WRITTEN';
      } catch (err) {
        out[name] = `opened, write ${(err as NodeJS.ErrnoException).code}`;
      }
    } catch (err) {
      out[name] = (err as NodeJS.ErrnoException).code ?? String(err);
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  };
  const { O_WRONLY, O_RDWR, O_APPEND, O_TRUNC } = fs.constants;
  attempt('O_WRONLY', () => fs.openSync(file, O_WRONLY));
  attempt('O_RDWR', () => fs.openSync(file, O_RDWR));
  attempt('O_WRONLY|O_APPEND', () => fs.openSync(file, O_WRONLY | O_APPEND));
  attempt('O_WRONLY|O_TRUNC', () => fs.openSync(file, O_WRONLY | O_TRUNC));
  // The 2019 exploit: an O_PATH handle kept, reopened for writing through /proc/self/fd.
  attempt('O_PATH reopened O_WRONLY', () => {
    const p = fs.openSync(file, O_PATH);
    try {
      return fs.openSync(`/proc/self/fd/${p}`, O_WRONLY);
    } finally {
      fs.closeSync(p);
    }
  });
  return out;
}

/** A created container whose init waits for `start`. */
function createWaiting(args: string[] = sh('exec sleep 1000'), edit?: (s: Spec) => void) {
  const id = scope.id('exe');
  const b = scope.bundle(args, edit);
  const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return { id, bundle: b, pid: stateOf(scope.root, id).pid };
}

describe.skipIf(!isRoot)('host binary overwrite through /proc/<pid>/exe, CVE-2019-5736 (needs root)', () => {
  it('the init waiting for start runs from a sealed memfd: its exe is no host file and cannot be opened for writing', () => {
    const { id, pid } = createWaiting();
    // every process the container has now is the runtime's: the waiting init
    const pids = processesInCgroupOf(id);
    expect(pids).toContain(pid);
    for (const p of pids) {
      const exe = fs.readlinkSync(`/proc/${p}/exe`);
      expect(exe, `pid ${p}`).toMatch(/^\/memfd:/);
      expect(exe).not.toContain(process.execPath);
      expect(fs.existsSync(exe.replace(/ \(deleted\)$/, '')), `${exe} is a host file`).toBe(false);
      // it is a copy of ocirt-init (not node, not anything else)
      expect(sha256(`/proc/${p}/exe`)).toBe(sha256(INIT_BINARY));
      const attempts = writeAttempts(`/proc/${p}/exe`);
      for (const [how, result] of Object.entries(attempts)) {
        expect(REFUSED, `${how} on /proc/${p}/exe: ${result}`).toContain(result);
      }
    }
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });

  it('from a second container in its pid namespace, the waiting init\'s exe can be neither read nor written', () => {
    const a = createWaiting();
    const script = [
      'echo "comm:$(cat /proc/1/comm 2>/dev/null)"',
      'if l=$(readlink /proc/1/exe 2>/dev/null); then echo "readlink:$l"; else echo "readlink:denied"; fi',
      'if (cat /proc/1/exe > /dev/null) 2>/dev/null; then echo "read:OPENED"; else echo "read:denied"; fi',
      'if (: >> /proc/1/exe) 2>/dev/null; then echo "append:OPENED"; else echo "append:denied"; fi',
      'if (exec 3<>/proc/1/exe) 2>/dev/null; then echo "rdwr:OPENED"; else echo "rdwr:denied"; fi',
      'if (exec 3</proc/1/exe; : >> /proc/self/fd/3) 2>/dev/null; then echo "reopen:OPENED"; else echo "reopen:denied"; fi',
    ].join('\n');
    const r = scope.run(sh(script), (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'pid' ? { type: 'pid', path: `/proc/${a.pid}/ns/pid` } : n));
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    // pid 1 of that namespace is the waiting init: the test attacks the right process
    expect(out[0]).toMatch(/^comm:memfd:ocirt/);
    expect(out[1]).toMatch(/^readlink:(denied|\/memfd:)/);
    expect(out.slice(2)).toEqual(['read:denied', 'append:denied', 'rdwr:denied', 'reopen:denied']);
    expect(scope.ocirt(['delete', '--force', a.id]).status).toBe(0);
  });

  /**
   * The classic exploit: the container's entrypoint is `#!/proc/self/exe 3`, so at
   * `start` the kernel runs whatever /proc/self/exe of the init is, inside the container,
   * as its pid 1. fd 3 (--preserve-fds 1) is a fifo that never delivers anything, so the
   * re-executed binary stays there waiting for a plan. The host (real root) and a second
   * container in the same pid namespace then try to open its exe for writing, directly
   * and through a reopened handle, and to write every other process's exe.
   */
  async function selfExeAttack(verb: 'run' | 'create+start'): Promise<void> {
    const dir = scope.scratch('ocirt-selfexe-');
    const fifo = path.join(dir, 'never');
    spawnSync('mkfifo', [fifo]);
    const fd = fs.openSync(fifo, 'r+');
    const id = scope.id('selfexe');
    try {
      const b = scope.bundle(['/entry']);
      fs.writeFileSync(path.join(b.rootfs, 'entry'), '#!/proc/self/exe 3\n', { mode: 0o755 });
      // an image with a libc, so that a dynamically linked runtime binary can run in it
      copyDynamicDeps(INIT_BINARY, b.rootfs);
      if (verb === 'run') {
        const r = ocirtToFiles(scope.root, ['run', '--detach', '--preserve-fds', '1', '--bundle', b.dir, id], { dir: b.dir, extraFds: [fd] });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
      } else {
        const c = ocirtToFiles(scope.root, ['create', '--preserve-fds', '1', '--bundle', b.dir, id], { dir: b.dir, extraFds: [fd] });
        expect(c.stderr).toBe('');
        expect(c.status).toBe(0);
        const st = scope.ocirt(['start', id]);
        expect(st.stderr).toBe('');
        expect(st.status).toBe(0);
      }
      const pid = stateOf(scope.root, id).pid;
      // the entrypoint has been replaced by the re-executed runtime binary
      const exe = await pollFor(() => {
        const cmd = readIfExists(`/proc/${pid}/cmdline`) ?? '';
        return cmd.includes('/entry') ? fs.readlinkSync(`/proc/${pid}/exe`) : undefined;
      });
      expect(exe, 'the entrypoint never re-executed /proc/self/exe').toBeDefined();
      expect(exe).toMatch(/^\/memfd:ocirt-init/);
      for (const [how, result] of Object.entries(writeAttempts(`/proc/${pid}/exe`))) {
        expect(REFUSED, `${how} on /proc/${pid}/exe: ${result}`).toContain(result);
      }
      // an attacker inside the same pid namespace
      const attack = [
        'for d in /proc/[0-9]*; do',
        '  p=${d#/proc/}; [ "$p" = "$$" ] && continue',
        '  exe=$(readlink $d/exe 2>/dev/null)',
        '  echo "seen $p $(cat $d/comm 2>/dev/null) $exe"',
        '  if (: >> $d/exe) 2>/dev/null; then echo "WROTE-APPEND $p $exe"; fi',
        '  if (exec 3<$d/exe; : >> /proc/self/fd/3) 2>/dev/null; then echo "WROTE-REOPEN $p $exe"; fi',
        '  if (exec 3<>$d/exe) 2>/dev/null; then echo "WROTE-RDWR $p $exe"; fi',
        'done',
      ].join('\n');
      const r = scope.run(sh(attack), (s) => {
        s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'pid' ? { type: 'pid', path: `/proc/${pid}/ns/pid` } : n));
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(lines(r.stdout)).toContainEqual(expect.stringMatching(/^seen 1 /));
      // the attacker's own busybox is the only executable it may write (ETXTBSY anyway)
      expect(lines(r.stdout).filter((l) => l.startsWith('WROTE') && !/ \/bin\/busybox$/.test(l))).toEqual([]);
      expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
    } finally {
      fs.closeSync(fd);
    }
    expect(hashHostBinaries()).toEqual(hashesBefore);
  }

  it('a "#!/proc/self/exe" entrypoint (run -d) re-executes only the sealed copy; nothing can write a host binary', async () => {
    await selfExeAttack('run');
  });

  it('a "#!/proc/self/exe" entrypoint (create + start) re-executes only the sealed copy; nothing can write a host binary', async () => {
    await selfExeAttack('create+start');
  });

  it('a bare "#!/proc/self/exe" entrypoint (run, foreground) ends cleanly and changes no host binary', () => {
    const r = scope.run(['/entry'], (_s, b) => {
      fs.writeFileSync(path.join(b.rootfs, 'entry'), '#!/proc/self/exe\n', { mode: 0o755 });
      copyDynamicDeps(INIT_BINARY, b.rootfs);
    });
    // whatever the re-executed init does, it is not a crash of ocirt and not a signal
    expect(r.signal).toBeNull();
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(hashHostBinaries()).toEqual(hashesBefore);
  });
});
