// `exec`: the runtime process that joins a running container is the most exposed one
// (runc's CVE-2019-5736 went through `runc exec`, CVE-2024-21626 through `exec --cwd`,
// CVE-2022-29162 through `exec --cap`). Each attack of the other files, through exec.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, lines, ocirtToFiles, processesInCgroupOf, sh } from '../helpers/containers';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';
import { host, itNeeds } from '../helpers/host-capabilities';
import {
  INIT_BINARY, O_PATH, copyDynamicDeps, hashHostBinaries, pollFor, readIfExists, runToFiles, withSignalState,
} from '../helpers/security';

const scope = new TestScope();
let hashesBefore: Record<string, string> = {};

beforeAll(() => {
  hashesBefore = hashHostBinaries();
});
afterEach(() => scope.reset());
afterAll(() => {
  expect(hashHostBinaries()).toEqual(hashesBefore);
  expect(scope.finish()).toEqual([]);
});


/** Compiles a static C program (gcc from build-essential, as CI installs); returns its path. */
function compileStatic(source: string, dir: string): string {
  fs.writeFileSync(path.join(dir, 'prog.c'), source);
  const r = spawnSync('gcc', ['-static', '-O2', '-o', path.join(dir, 'prog'), path.join(dir, 'prog.c')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc failed: ${r.stderr}`);
  return path.join(dir, 'prog');
}


/** Watches /proc for the runtime's helpers (comm "memfd:*") and tries to read them. */
const WATCHER_C = String.raw`// Watches /proc for the runtime's helpers (comm "memfd:*": a sealed copy of ocirt-init)
// and tries to read their exe, environ, mem and fd links. A read that works while the
// process's exe is still the memfd is a leak ("LEAK ..." in /out/read). A process in the
// middle of execve(2) already has the new program's mm, dumpable again, before its comm
// changes: reads then reach the container's own program, which is no leak ("exec-window"
// in /out/seen).
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int still_memfd(long pid) {
  char p[64], exe[256];
  snprintf(p, sizeof p, "/proc/%ld/exe", pid);
  ssize_t l = readlink(p, exe, sizeof exe - 1);
  if (l <= 0) return 0;
  exe[l] = 0;
  return strncmp(exe, "/memfd:", 7) == 0;
}

int main(void) {
  FILE* seen = fopen("/out/seen", "a");
  FILE* rd = fopen("/out/read", "a");
  if (!seen || !rd) return 1;
  long self = getpid();
  while (access("/out/stop", F_OK) != 0) {
    DIR* d = opendir("/proc");
    struct dirent* e;
    while ((e = readdir(d))) {
      long pid = atol(e->d_name);
      if (pid <= 0 || pid == self) continue;
      char p[128], comm[64] = {0}, buf[256];
      snprintf(p, sizeof p, "/proc/%ld/comm", pid);
      int fd = open(p, O_RDONLY);
      if (fd < 0) continue;
      ssize_t n = read(fd, comm, sizeof comm - 1);
      close(fd);
      if (n <= 0 || strncmp(comm, "memfd:", 6) != 0) continue;
      comm[strcspn(comm, "\n")] = 0;
      fprintf(seen, "%ld %s\n", pid, comm);
      if (still_memfd(pid)) fprintf(rd, "LEAK exe %ld %s\n", pid, comm);
      const char* files[] = {"environ", "mem", "maps", "auxv"};
      for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "/proc/%ld/%s", pid, files[i]);
        int f = open(p, O_RDONLY);
        if (f < 0) continue;
        int ok = read(f, buf, 1) >= 0 || i == 1;
        close(f);
        if (!ok) continue;
        if (still_memfd(pid)) fprintf(rd, "LEAK %s %ld %s\n", files[i], pid, comm);
        else fprintf(seen, "exec-window %s %ld\n", files[i], pid);
      }
      for (int f = 0; f < 64; f++) {
        snprintf(p, sizeof p, "/proc/%ld/fd/%d", pid, f);
        ssize_t l = readlink(p, buf, sizeof buf - 1);
        if (l < 0) continue;
        buf[l] = 0;
        if (still_memfd(pid)) fprintf(rd, "LEAK fd %ld %s %d -> %s\n", pid, comm, f, buf);
        else fprintf(seen, "exec-window fd %ld %d -> %s\n", pid, f, buf);
      }
      fflush(seen);
      fflush(rd);
    }
    closedir(d);
  }
  return 0;
}
`;

/** A running container (busybox sleep as pid 1, so that /bin/sh may be replaced). */
function running(edit?: (s: Spec) => void) {
  const id = scope.id('exec');
  const b = scope.bundle(['/bin/busybox', 'sleep', '600'], (s) => {
    s.process!.env = ['PATH=/bin', 'CONTAINER_VAR=yes'];
    edit?.(s);
  });
  const r = ocirtToFiles(scope.root, ['run', '--detach', '--bundle', b.dir, id], { dir: b.dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return { id, bundle: b };
}

function execArgv(id: string, args: string[], flags: string[] = []): string[] {
  return [OCIRT, '--root', scope.root, 'exec', ...flags, id, ...args];
}

const REFUSED = ['ETXTBSY', 'EPERM', 'EACCES'];

function writeAttempt(file: string): string {
  const tries: Array<() => number> = [
    () => fs.openSync(file, fs.constants.O_WRONLY),
    () => fs.openSync(file, fs.constants.O_RDWR),
    () => {
      const p = fs.openSync(file, O_PATH);
      try {
        return fs.openSync(`/proc/self/fd/${p}`, fs.constants.O_WRONLY);
      } finally {
        fs.closeSync(p);
      }
    },
  ];
  for (const t of tries) {
    try {
      const fd = t();
      fs.closeSync(fd);
      return 'OPENED';
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!REFUSED.includes(code)) return code;
    }
  }
  return 'refused';
}

describe.skipIf(!isRoot)('exec: host binary overwrite, CVE-2019-5736 (needs root)', () => {
  it('the container\'s /bin/sh is "#!/proc/self/exe": `exec ID /bin/sh` re-executes only the sealed copy; nothing can write a host binary', async () => {
    const { id, bundle } = running();
    // the image has a libc, so that a dynamically linked runtime binary could run in it
    copyDynamicDeps(INIT_BINARY, bundle.rootfs);
    const shPath = path.join(bundle.rootfs, 'bin/sh');
    fs.rmSync(shPath);
    // fd 3 (--preserve-fds 1) is a fifo that never delivers: the re-executed binary stays
    fs.writeFileSync(shPath, '#!/proc/self/exe 3\n', { mode: 0o755 });
    const dir = scope.scratch('ocirt-exec-selfexe-');
    const fifo = path.join(dir, 'never');
    spawnSync('mkfifo', [fifo]);
    const fd = fs.openSync(fifo, 'r+');
    try {
      const r = ocirtToFiles(scope.root, ['exec', '--detach', '--preserve-fds', '1', id, '/bin/sh'], { dir, extraFds: [fd] });
      expect(r.signal).toBeNull();
      // the process the exec started: its exe, seen from the host
      const found = await pollFor(() => {
        for (const p of processesInCgroupOf(id)) {
          const cmd = readIfExists(`/proc/${p}/cmdline`) ?? '';
          if (cmd.includes('/bin/sh')) return p;
        }
        return undefined;
      });
      expect(found, 'the exec\'d /bin/sh never started').toBeDefined();
      const exe = fs.readlinkSync(`/proc/${found}/exe`);
      expect(exe).toMatch(/^\/memfd:/);
      expect(writeAttempt(`/proc/${found}/exe`)).toBe('refused');
      // and from inside the container, by another exec
      const attack = [
        'for d in /proc/[0-9]*; do',
        '  p=${d#/proc/}; [ "$p" = "$$" ] && continue',
        '  exe=$(readlink $d/exe 2>/dev/null)',
        '  if (: >> $d/exe) 2>/dev/null; then echo "WROTE $p $exe"; fi',
        '  if (exec 3<$d/exe; : >> /proc/self/fd/3) 2>/dev/null; then echo "WROTE-REOPEN $p $exe"; fi',
        'done',
      ].join('\n');
      const a = runToFiles(execArgv(id, ['/bin/busybox', 'sh', '-c', attack]), dir);
      expect(a.stderr).toBe('');
      expect(lines(a.stdout).filter((l) => !/ \/bin\/busybox$/.test(l))).toEqual([]);
    } finally {
      fs.closeSync(fd);
    }
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
    expect(hashHostBinaries()).toEqual(hashesBefore);
  });

  itNeeds(host.staticCc)('the runtime\'s helper joining the container is never readable from inside (non-dumpable), over 30 execs', () => {
    const out = scope.scratch('ocirt-exec-watch-');
    const { id, bundle } = running((s) => {
      s.mounts!.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
    });
    // an attacker in the container, a tight static C loop: every process whose comm is
    // "memfd:..." (the runtime's sealed binary) is probed for environ, mem and fd links
    fs.copyFileSync(compileStatic(WATCHER_C, scope.scratch('ocirt-watcher-')), path.join(bundle.rootfs, 'watch'));
    fs.chmodSync(path.join(bundle.rootfs, 'watch'), 0o755);
    const dir = scope.scratch('ocirt-exec-');
    const w = ocirtToFiles(scope.root, ['exec', '--detach', id, '/watch'], { dir });
    expect(w.status).toBe(0);
    for (let i = 0; i < 30; i++) {
      const r = runToFiles(execArgv(id, ['/bin/busybox', 'true']), dir);
      expect(r.status).toBe(0);
    }
    fs.writeFileSync(path.join(out, 'stop'), '');
    expect(readIfExists(path.join(out, 'read')) ?? '').toBe('');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });
});

describe.skipIf(!isRoot)('exec: leaked file descriptors, CVE-2024-21626 (needs root)', () => {
  function leaked(dir: string): number[] {
    fs.writeFileSync(path.join(dir, 'HOST-SECRET'), 'secret\n');
    return [fs.openSync(dir, 'r'), fs.openSync(path.join(dir, 'HOST-SECRET'), 'r'), fs.openSync('/', 'r'), fs.openSync(scope.root, 'r')];
  }
  const PROBE = 'for n in $(seq 0 64); do [ -e /proc/$$/fd/$n ] && echo "fd $n"; done; for n in $(seq 3 64); do (cd -P /proc/self/fd/$n 2>/dev/null && echo "cd $n: $(ls -A | tr "\\n" " ")"); done; true';

  it('fds the caller of exec leaks do not reach the process: exactly 0, 1, 2', () => {
    const { id } = running();
    const dir = scope.scratch('ocirt-exec-leak-');
    const fds = leaked(dir);
    try {
      const r = runToFiles(execArgv(id, ['/bin/busybox', 'sh', '-c', PROBE]), dir, { extra: fds });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(lines(r.stdout)).toEqual(['fd 0', 'fd 1', 'fd 2']);
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
  });

  it('--preserve-fds 1: fd 3 arrives, the leaked ones after it do not', () => {
    const { id } = running();
    const dir = scope.scratch('ocirt-exec-leak-');
    const passed = fs.openSync(path.join(os.tmpdir()), 'r');
    const fds = leaked(dir);
    try {
      const r = runToFiles(execArgv(id, ['/bin/busybox', 'sh', '-c', PROBE], ['--preserve-fds', '1']), dir, { extra: [passed, ...fds] });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(lines(r.stdout).filter((l) => l.startsWith('fd '))).toEqual(['fd 0', 'fd 1', 'fd 2', 'fd 3']);
      expect(lines(r.stdout).filter((l) => l.startsWith('cd ') && !l.startsWith('cd 3:'))).toEqual([]);
    } finally {
      for (const fd of [passed, ...fds]) fs.closeSync(fd);
    }
  });

  it('exec --cwd /proc/self/fd/N (N = 3..12) with host directories leaked: refused, or a cwd inside the container', () => {
    const { id } = running();
    const dir = scope.scratch('ocirt-exec-leak-');
    const fds = leaked(dir);
    try {
      for (let n = 3; n <= 12; n++) {
        const r = runToFiles(execArgv(id, ['/bin/busybox', 'sh', '-c', 'pwd; ls -A; ls -A ../../..; cat HOST-SECRET 2>/dev/null; true'], ['--cwd', `/proc/self/fd/${n}`]), dir, { extra: fds });
        expect(r.stdout, `--cwd /proc/self/fd/${n}`).not.toContain('HOST-SECRET');
        expect(r.stdout).not.toContain('secret');
        if (r.status !== 0) {
          expect([1, 255]).toContain(r.status);
          expect(r.stderr).toMatch(/^ocirt: /);
          expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
        }
      }
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
  });
});

describe.skipIf(!isRoot)('exec: environment, signals, capabilities (needs root)', () => {
  it('a polluted caller environment: the process gets the container\'s env plus --env, nothing else; NODE_OPTIONS never runs', () => {
    const { id } = running();
    const dir = scope.scratch('ocirt-exec-env-');
    const marker = path.join(dir, 'payload-ran');
    fs.writeFileSync(path.join(dir, 'payload.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    const env = { ...process.env, NODE_OPTIONS: `--require ${path.join(dir, 'payload.js')}`, NODE_EXTRA_CA_CERTS: '/nonexistent.pem', FOO: 'bar', LD_LIBRARY_PATH: '/nonexistent' };
    const r = runToFiles(execArgv(id, ['/bin/busybox', 'env'], ['--env', 'ADDED=1']), dir, { env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout).sort()).toEqual(['ADDED=1', 'CONTAINER_VAR=yes', 'PATH=/bin']);
    expect(fs.existsSync(marker)).toBe(false);
  });

  itNeeds(host.python3)('a caller with ignored and blocked signals: SigIgn and SigBlk 0 in the exec\'d process', () => {
    const { id } = running();
    const dir = scope.scratch('ocirt-exec-sig-');
    const S = os.constants.signals;
    const argv = withSignalState(execArgv(id, ['/bin/busybox', 'grep', '-E', '^(SigBlk|SigIgn|SigPnd):', '/proc/self/status']), {
      block: [S.SIGUSR2, S.SIGTERM, S.SIGALRM, S.SIGCHLD, S.SIGINT, 36],
      ignore: [S.SIGINT, S.SIGQUIT, S.SIGHUP, S.SIGTERM, S.SIGPIPE, S.SIGUSR1],
    });
    const r = runToFiles(argv, dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout).map((l) => l.replace(/\s+/g, ' '))).toEqual(['SigPnd: 0000000000000000', 'SigBlk: 0000000000000000', 'SigIgn: 0000000000000000']);
  });

  itNeeds(host.setpriv)('a caller holding inheritable/ambient capabilities, and exec --cap: CapInh and CapAmb stay empty (CVE-2022-29162)', () => {
    const { id } = running();
    const dir = scope.scratch('ocirt-exec-caps-');
    const hostile = ['setpriv', '--inh-caps', '+net_raw,+sys_admin', '--ambient-caps', '+net_raw,+sys_admin', '--'];
    const r = runToFiles([...hostile, ...execArgv(id, ['/bin/busybox', 'grep', '^Cap', '/proc/self/status'], ['--cap', 'CAP_NET_RAW'])], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const f = Object.fromEntries(lines(r.stdout).map((l) => l.split(/:\s*/) as [string, string]));
    expect(f.CapInh).toBe('0000000000000000');
    expect(f.CapAmb).toBe('0000000000000000');
    // --cap adds to bounding, effective and permitted only
    expect(BigInt(`0x${f.CapEff}`) & (1n << 13n)).not.toBe(0n);
    expect(BigInt(`0x${f.CapBnd}`) & (1n << 21n)).toBe(0n);
  });
});

describe.skipIf(!isRoot)('exec: paths and hostile input (needs root)', () => {
  it('exec --pid-file with symlinks planted at the pid file and its temporary names: no target written', () => {
    const { id } = running();
    const dir = scope.scratch('ocirt-exec-pid-');
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'VICTIM\n');
    const pidFile = path.join(dir, 'exec.pid');
    fs.symlinkSync(victim, pidFile);
    const plant = ['.exec.pid', '.exec.pid.tmp', '.exec.pid.tmp-$$', 'exec.pid.tmp-$$'].map((n) => `ln -s ${victim} "${dir}/${n}"`).join('; ');
    const r = runToFiles(['/bin/sh', '-c', `${plant}; exec "$0" "$@"`, ...execArgv(id, ['/bin/busybox', 'sleep', '1'], ['--detach', '--pid-file', pidFile])], dir);
    expect(fs.readFileSync(victim, 'utf8')).toBe('VICTIM\n');
    if (r.status === 0) expect(fs.lstatSync(pidFile).isFile()).toBe(true);
  });

  it('hostile --process files: each refused with one clear error (exit 255 as runc), nothing started', () => {
    const { id } = running();
    const dir = scope.scratch('ocirt-exec-proc-');
    const cases: Array<[string, string]> = [
      ['not JSON', '{"args": ['],
      ['args a string', '{"args": "true", "cwd": "/"}'],
      ['relative cwd', '{"args": ["true"], "cwd": "tmp"}'],
      ['unknown capability', '{"args": ["true"], "cwd": "/", "capabilities": {"bounding": ["CAP_NOPE"]}}'],
      ['negative uid', '{"args": ["true"], "cwd": "/", "user": {"uid": -1, "gid": 0}}'],
      ['deep nesting', `{"args": ["true"], "cwd": "/", "x": ${'['.repeat(20000)}${']'.repeat(20000)}}`],
      ['huge uid', '{"args": ["true"], "cwd": "/", "user": {"uid": 18446744073709551616, "gid": 0}}'],
    ];
    for (const [what, text] of cases) {
      const file = path.join(dir, 'process.json');
      fs.writeFileSync(file, text);
      const r = runToFiles(execArgv(id, [], ['--process', file]), dir);
      expect([1, 255], `${what}: ${r.stderr}`).toContain(r.status);
      expect(r.stderr, what).toMatch(/^ocirt: /);
      expect(r.stderr, what).not.toMatch(/internal error|Maximum call stack|^\s+at /m);
    }
    // the container is still as it was: only its own process
    expect(processesInCgroupOf(id)).toHaveLength(1);
  });

  it('exec into a stopped or unknown container, or with an unknown verb option: a clean error', () => {
    const id = scope.id('exec-stopped');
    const b = scope.bundle(sh('true'));
    expect(ocirtToFiles(scope.root, ['run', '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    for (const args of [['exec', id, 'true'], ['exec', 'no-such', 'true'], ['exec', '--no-such-flag', id, 'true']]) {
      const r = scope.ocirt(args);
      expect([1, 255]).toContain(r.status);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
    }
  });
});
