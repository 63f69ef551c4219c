/**
 * `exec` through ocirt-fast (addon/src/fast/exec.cc) from the container's exec template
 * (src/lifecycle/exec-template.ts): the process must see exactly what it sees when Node
 * runs the same exec, and every call the template does not cover must reach Node. Run
 * alone, the fast binary is given a "node" that does not exist, so a hand-over shows as
 * exit 127 and anything else proves the call never needed Node.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { ocirtToFiles, sh, stateOf, TestScope, waitForStatus } from '../helpers/containers';
import { isRoot, ocirt } from '../helpers/ocirt-cli';
import { ConsoleListener, PtyClient } from './terminal-helpers';

const FAST = path.resolve(__dirname, '../../addon/build/Release/ocirt-fast');
const HANDED_OVER = 127;

/** What a process can see of how it was set up. Each line is read by a child of sh, which inherits it all. */
const REPORT = [
  "grep -E '^(Uid|Gid|Groups|Cap|NoNewPrivs|Seccomp)' /proc/self/status",
  "tr '\\0' '\\n' < /proc/self/environ",
  'pwd',
  'ls /proc/self/fd',
  'cat /proc/self/cgroup',
  'cat /proc/self/oom_score_adj',
  'umask',
  "grep -E 'open files|processes' /proc/self/limits",
  'for n in ipc mnt net pid uts cgroup; do readlink /proc/self/ns/$n; done',
  'tty || true',
].join('; ');

function hardened(spec: Spec): void {
  const p = spec.process!;
  p.user = { uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 0o027 };
  p.cwd = '/tmp';
  p.env = ['PATH=/bin:/usr/bin', 'FOO=first', 'LANG=C', 'FOO=last'];
  p.noNewPrivileges = true;
  p.oomScoreAdj = 123;
  p.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 }];
  p.capabilities = { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_CHOWN', 'CAP_KILL'] };
  spec.linux!.seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['syslog', 'acct'], action: 'SCMP_ACT_ERRNO' }],
  };
}

describe.skipIf(!isRoot)('exec without Node: ocirt-fast from the exec template (needs root: real containers)', () => {
  const scope = new TestScope();
  let out: string;
  beforeAll(() => {
    out = scope.scratch('ocirt-fast-exec-');
  });
  afterEach(() => scope.reset());
  afterAll(() => expect(scope.finish()).toEqual([]));

  /** The fast binary alone, stdio in files (a detached process may keep them open). */
  function fastOnly(args: string[], env: NodeJS.ProcessEnv = process.env) {
    const tag = Math.random().toString(16).slice(2);
    const outFile = path.join(out, `o-${tag}`);
    const errFile = path.join(out, `e-${tag}`);
    const o = fs.openSync(outFile, 'w');
    const e = fs.openSync(errFile, 'w');
    let r;
    try {
      r = spawnSync(FAST, ['/nonexistent/node', '/nonexistent/main.js', '--root', scope.root, ...args], { stdio: ['ignore', o, e], env, timeout: 60_000 });
    } finally {
      fs.closeSync(o);
      fs.closeSync(e);
    }
    return { status: r.status, stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8') };
  }

  function viaNode(args: string[]) {
    return ocirtToFiles(scope.root, args, { env: { ...process.env, OCIRT_NO_FAST_PATH: '1' } });
  }

  function running(edit?: (spec: Spec) => void): string {
    const b = scope.bundle(sh('sleep 600'), edit);
    const id = scope.id('fx');
    const r = ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id]);
    expect(r.status, r.err()).toBe(0);
    return id;
  }

  function processOf(id: string): Record<string, unknown> {
    const config = JSON.parse(fs.readFileSync(path.join(scope.root, id, 'config.json'), 'utf8')) as Spec;
    return JSON.parse(JSON.stringify(config.process)) as Record<string, unknown>;
  }

  function writeProcess(p: unknown): string {
    const file = path.join(out, `process-${Math.random().toString(16).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify(p));
    return file;
  }

  it('gives the process what Node gives it: ids, groups, capabilities, no_new_privs, seccomp, env, cwd, fds, cgroup, limits, namespaces', () => {
    const id = running(hardened);
    const fast = fastOnly(['exec', id, 'sh', '-c', REPORT]);
    const node = viaNode(['exec', id, 'sh', '-c', REPORT]);
    expect(fast.status, fast.stderr).toBe(0);
    expect(node.status, node.err()).toBe(0);
    expect(fast.stdout).toBe(node.out());
    // And the report is the container's, not a default one.
    expect(fast.stdout).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(fast.stdout).toMatch(/^Groups:\s+10 20\s*$/m);
    expect(fast.stdout).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(fast.stdout).toMatch(/^Seccomp:\s+2$/m);
    expect(fast.stdout).toContain('FOO=last');
    expect(fast.stdout).not.toContain('FOO=first');
    expect(fast.stdout).toMatch(/^\/tmp$/m);
    expect(fast.stdout).toMatch(/^0027$/m);
    expect(fast.stdout).toMatch(/^123$/m);
    expect(fast.stdout).toMatch(/open files\s+512\s+1024/);
    const initNs = fs.readlinkSync(`/proc/${stateOf(scope.root, id).pid}/ns/pid`);
    expect(fast.stdout).toContain(initNs);
  });

  it('takes a process file that is the container\'s own with other args (what containerd\'s CRI sends), as Node does', () => {
    const id = running(hardened);
    const file = writeProcess({ ...processOf(id), args: ['sh', '-c', REPORT] });
    const fast = fastOnly(['exec', '--process', file, id]);
    const node = viaNode(['exec', '--process', file, id]);
    expect(fast.status, fast.stderr).toBe(0);
    expect(fast.stdout).toBe(node.out());
  });

  it('returns the process\'s exit status, and 128+N when a signal killed it', () => {
    const id = running();
    expect(fastOnly(['exec', id, 'sh', '-c', 'exit 7']).status).toBe(7);
    expect(fastOnly(['exec', id, 'sh', '-c', 'kill -9 $$']).status).toBe(137);
    expect(viaNode(['exec', id, 'sh', '-c', 'kill -9 $$']).status).toBe(137);
  });

  it('passes stdin through and the output back', () => {
    const id = running();
    const r = spawnSync(FAST, ['/nonexistent/node', '/nonexistent/main.js', '--root', scope.root, 'exec', id, 'sh', '-c', 'read x; echo "got $x"'], {
      input: 'hello\n',
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('got hello\n');
  });

  it('forwards a signal sent to it to the process and waits for its end', async () => {
    const id = running();
    const child = spawn(FAST, ['/nonexistent/node', '/nonexistent/main.js', '--root', scope.root, 'exec', id, 'sh', '-c', 'trap "echo got TERM; exit 3" TERM; echo ready; while true; do sleep 0.1; done'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = Date.now() + 20_000;
    while (!stdout.includes('ready') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(stdout).toContain('ready');
    child.kill('SIGTERM');
    expect(await done).toBe(3);
    expect(stdout).toContain('got TERM');
  });

  it('detaches with --pid-file: the process runs on, its host pid in the file', () => {
    const id = running();
    const pidFile = path.join(out, 'exec.pid');
    const r = fastOnly(['exec', '-d', '--pid-file', pidFile, id, 'sleep', '300']);
    expect(r.status, r.stderr).toBe(0);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\u0000300\u0000');
    expect(fs.readlinkSync(`/proc/${pid}/ns/pid`)).toBe(fs.readlinkSync(`/proc/${stateOf(scope.root, id).pid}/ns/pid`));
  });

  it('gives a terminal through --console-socket with TERM=xterm and the console size of a CRI exec', async () => {
    const id = running();
    const results: string[] = [];
    for (const fast of [true, false]) {
      const listener = new ConsoleListener(scope.scratch('ocirt-console-'));
      try {
        const p = processOf(id);
        const file = writeProcess({ ...p, args: ['sh', '-c', 'echo "term=$TERM"; tty; stty size; sleep 1'], terminal: true, consoleSize: { height: 33, width: 101 }, env: [...((p.env as string[]) ?? []), 'TERM=xterm'] });
        const args = ['exec', '-d', '--console-socket', listener.path, '--process', file, id];
        const r = fast ? fastOnly(args) : viaNode(args);
        expect(r.status, String(r.stderr)).toBe(0);
        const got = listener.receive();
        expect(got.name).toMatch(/^\/dev\/pts\/\d+$/);
        const pty = new PtyClient(got.fd);
        results.push(await pty.waitFor(/\d+ \d+\r?\n/).then(() => pty.output.replace(/\/dev\/pts\/\d+/, '/dev/pts/N')));
        pty.close?.();
      } finally {
        listener.close();
      }
    }
    expect(results[0]).toContain('term=xterm');
    expect(results[0]).toContain('33 101');
    expect(results[0]).toBe(results[1]);
  });

  it('hands to Node every call the template does not cover', () => {
    const id = running(hardened);
    const own = processOf(id);
    const calls: string[][] = [
      ['exec', '-e', 'X=1', id, 'true'],
      ['exec', '--cwd', '/', id, 'true'],
      ['exec', '-u', '0', id, 'true'],
      ['exec', '--cap', 'CAP_SYS_ADMIN', id, 'true'],
      ['exec', '-t', id, 'true'], // a terminal Node relays
      ['exec', '--process', writeProcess({ ...own, args: ['true'], user: { uid: 0, gid: 0 } }), id],
      ['exec', '--process', writeProcess({ ...own, args: ['true'], cwd: '/' }), id],
      ['exec', '--process', writeProcess({ ...own, args: ['true'], env: ['A=1'] }), id],
      ['exec', '--process', writeProcess({ ...own, args: [] }), id],
      ['exec', '--process', writeProcess({ ...own, args: ['true'], extra: 1 }), id],
      ['exec', '--process', path.join(out, 'missing.json'), id],
      ['exec', 'no-such-container', 'true'],
    ];
    for (const args of calls) expect(fastOnly(args).status, args.join(' ')).toBe(HANDED_OVER);
    expect(fastOnly(['exec', id, 'true']).status).toBe(0);
    expect(fastOnly(['exec', id, 'true'], { ...process.env, LISTEN_FDS: '1' }).status).toBe(HANDED_OVER);
  });

  it('leaves a process file that is no regular file (a pipe, as -p <(...) gives) unread for Node', () => {
    const id = running();
    const file = writeProcess({ ...processOf(id), args: ['echo', 'from a pipe'] });
    // bash's process substitution: /dev/fd/63 is a pipe, readable once.
    const viaPipe = (cmd: string[]) =>
      spawnSync('bash', ['-c', '"${@:3}" -p <(cat "$1") "$2"', 'bash', file, id, ...cmd], { encoding: 'utf8', timeout: 60_000 });
    expect(viaPipe([FAST, '/nonexistent/node', '/nonexistent/main.js', '--root', scope.root, 'exec']).status).toBe(HANDED_OVER);
    const r = viaPipe([path.resolve(__dirname, '../../bin/ocirt'), '--root', scope.root, 'exec']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('from a pipe\n');
  });

  it('hands a paused container, a created one and a stale or missing template to Node', () => {
    const paused = running();
    expect(ocirt(scope.root, ['pause', paused]).status).toBe(0);
    expect(fastOnly(['exec', paused, 'true']).status).toBe(HANDED_OVER);
    expect(ocirt(scope.root, ['resume', paused]).status).toBe(0);
    expect(fastOnly(['exec', paused, 'true']).status).toBe(0);

    const b = scope.bundle(sh('sleep 600'));
    const created = scope.id('fx');
    expect(ocirtToFiles(scope.root, ['create', '--bundle', b.dir, created]).status).toBe(0);
    expect(fastOnly(['exec', created, 'true']).status).toBe(HANDED_OVER);

    const template = path.join(scope.root, paused, 'exec-template.json');
    const t = JSON.parse(fs.readFileSync(template, 'utf8'));
    fs.writeFileSync(template, JSON.stringify({ ...t, initStartTime: '1' }));
    expect(fastOnly(['exec', paused, 'true']).status).toBe(HANDED_OVER);
    fs.rmSync(template);
    expect(fastOnly(['exec', paused, 'true']).status).toBe(HANDED_OVER);
    // Node execs it all the same.
    expect(viaNode(['exec', paused, 'true']).status).toBe(0);
  });

  it('reports a failure after the process existed with Node\'s words and runc\'s status 255', () => {
    const id = running();
    const viaLauncher = ocirtToFiles(scope.root, ['exec', id, 'no-such-command']);
    const node = viaNode(['exec', id, 'no-such-command']);
    expect(viaLauncher.status).toBe(255);
    expect(viaLauncher.err()).toBe(node.err());
    expect(viaLauncher.err()).toContain('executable file not found');
    expect(fastOnly(['exec', id, 'no-such-command']).status).toBe(HANDED_OVER);
  });

  it('leaves nothing behind: the container deletes cleanly after fast execs', () => {
    const id = running();
    for (let i = 0; i < 5; i++) expect(fastOnly(['exec', id, 'true']).status).toBe(0);
    expect(ocirt(scope.root, ['kill', id, 'KILL']).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expect(ocirt(scope.root, ['delete', id]).status).toBe(0);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  });
});
