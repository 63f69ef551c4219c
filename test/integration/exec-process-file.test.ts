// `exec --process FILE`: every field of a runtime-spec process that runc applies to an
// exec'd process is applied, read back from inside the process; what the file leaves
// out comes from the container (runc's newInitConfig); what the host cannot do, or what
// does not apply on Linux, is said, never dropped in silence. process.terminal and
// consoleSize of a process file: test/integration/terminal.test.ts.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Process, Spec } from '../../src/spec/types';
import { expectCleanError, lines, ocirtToFiles, TestScope } from '../helpers/containers';
import { host, itNeeds } from '../helpers/host-capabilities';
import { isRoot, OCIRT } from '../helpers/ocirt-cli';
import { installSysprobe, NR } from '../helpers/seccomp-tools';
import { ConsoleListener } from './terminal-helpers';

const scope = new TestScope();
/** execCPUAffinity is checked where the process may run on CPUs 0 and 1. */
const TWO_CPUS = host.twoCpus() === undefined;
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** Prints, one per line, what the process has; `sh` passes every attribute on to its children. */
const READ_BACK = [
  'echo "env=$FROM"', 'pwd', 'id -u', 'id -g', 'grep ^Groups: /proc/self/status', 'umask', 'ulimit -n',
  'grep ^CapBnd: /proc/self/status', 'grep ^NoNewPrivs: /proc/self/status', 'cat /proc/self/oom_score_adj',
  '/sysprobe sched_getattr', `/sysprobe ${NR.ioprio_get} 1 0`, 'grep ^Cpus_allowed_list: /proc/self/status',
].join('; ');

const CONTAINER: Partial<Process> = {
  env: ['PATH=/bin', 'FROM=config'],
  user: { uid: 0, gid: 0, umask: 0o027 },
  rlimits: [{ type: 'RLIMIT_NOFILE', soft: 111, hard: 222 }],
  noNewPrivileges: true,
  oomScoreAdj: 300,
  scheduler: { policy: 'SCHED_BATCH', nice: 5 },
  ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 6 },
};

/** A running container (sleep) made with CONTAINER's process fields; its bundle dir. */
function container(edit?: (s: Spec) => void): { id: string; dir: string } {
  const b = scope.bundle(['sleep', '1000']);
  Object.assign(b.spec.process!, structuredClone(CONTAINER));
  if (TWO_CPUS) b.spec.process!.execCPUAffinity = { final: '1' };
  edit?.(b.spec);
  b.save();
  installSysprobe(b.rootfs);
  const id = scope.id('pf');
  const r = ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir });
  expect(r.status, r.err()).toBe(0);
  return { id, dir: b.dir };
}

function execFile(id: string, dir: string, process: object) {
  const file = path.join(dir, `process-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify(process));
  const r = spawnSync(OCIRT, ['--root', scope.root, 'exec', '--process', file, id], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr), file };
}

const field = (out: string[], prefix: string) => out.find((l) => l.startsWith(prefix))?.slice(prefix.length).trim();
/** CAP_CHOWN (0) and CAP_KILL (5). */
const CHOWN_KILL = '0000000000000021';

describe.skipIf(!isRoot)('exec --process FILE (needs root)', () => {
  it('applies every field the file sets: args, env, cwd, user (uid, gid, additionalGids, umask), capabilities, rlimits, noNewPrivileges, oomScoreAdj, scheduler, ioPriority, execCPUAffinity', () => {
    const { id, dir } = container();
    const r = execFile(id, dir, {
      args: ['sh', '-c', READ_BACK],
      env: ['PATH=/bin', 'FROM=file'],
      cwd: '/proc',
      user: { uid: 1000, gid: 1001, additionalGids: [7, 8], umask: 0o077 },
      capabilities: { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'] },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 77, hard: 88 }],
      noNewPrivileges: false,
      oomScoreAdj: 400,
      scheduler: { policy: 'SCHED_IDLE' },
      ioPriority: { class: 'IOPRIO_CLASS_IDLE', priority: 0 },
      ...(TWO_CPUS ? { execCPUAffinity: { final: '0' } } : {}),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    expect(out.slice(0, 4)).toEqual(['env=file', '/proc', '1000', '1001']);
    expect(field(out, 'Groups:')).toBe('7 8');
    expect(out[5]).toBe('0077');
    expect(out[6]).toBe('77');
    expect(field(out, 'CapBnd:')).toBe(CHOWN_KILL);
    expect(field(out, 'NoNewPrivs:')).toBe('0');
    expect(out[9]).toBe('400');
    expect(out[10]).toMatch(/^policy=5 /); // SCHED_IDLE
    expect(out[11]).toBe(`ret ${3 << 13}`); // IOPRIO_CLASS_IDLE, level 0
    if (TWO_CPUS) expect(field(out, 'Cpus_allowed_list:')).toBe('0');
  });

  it('what the file leaves out is the container\'s: capabilities, rlimits, noNewPrivileges, oomScoreAdj, umask, scheduler, ioPriority, execCPUAffinity', () => {
    const { id, dir } = container((s) => {
      s.process!.capabilities = { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_CHOWN', 'CAP_KILL'], permitted: ['CAP_CHOWN', 'CAP_KILL'] };
    });
    const r = execFile(id, dir, { args: ['sh', '-c', READ_BACK], env: ['PATH=/bin', 'FROM=file'], cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out.slice(0, 4)).toEqual(['env=file', '/', '0', '0']);
    expect(out[5]).toBe('0027');
    expect(out[6]).toBe('111');
    expect(field(out, 'CapBnd:')).toBe(CHOWN_KILL);
    expect(field(out, 'NoNewPrivs:')).toBe('1');
    expect(out[9]).toBe('300');
    expect(out[10]).toMatch(/^policy=3 .*nice=5 /); // SCHED_BATCH
    expect(out[11]).toBe(`ret ${(2 << 13) | 6}`); // IOPRIO_CLASS_BE, level 6
    if (TWO_CPUS) expect(field(out, 'Cpus_allowed_list:')).toBe('1');
  });

  it('Windows-only fields are named in a warning; the process runs', () => {
    const { id, dir } = container();
    const r = execFile(id, dir, { args: ['true'], cwd: '/', commandLine: 'cmd /c true', user: { uid: 0, gid: 0, username: 'ContainerUser' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${r.file}: /commandLine: Windows only; ignored`);
    expect(r.stderr).toContain(`${r.file}: /user/username: Windows only; ignored`);
  });

  it('flags that a process file overrides are named in a warning, not silently dropped', () => {
    const { id, dir } = container();
    const file = path.join(dir, 'flags.json');
    fs.writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'echo "x=${X-unset}"; id -u'], cwd: '/', env: ['PATH=/bin'] }));
    const r = spawnSync(OCIRT, ['--root', scope.root, 'exec', '--process', file, '-e', 'X=1', '--user', '5', id, 'ls'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual(['x=unset', '0']);
    expect(r.stderr).toContain(`--env ignored: --process ${file} gives the whole process`);
    expect(r.stderr).toContain(`--user ignored: --process ${file} gives the whole process`);
    expect(r.stderr).toContain(`the command ["ls"] ignored: --process ${file} gives the whole process`);
  });

  it('--tty with a process file (conmon passes both) is not warned about: the file\'s terminal decides, as in runc', () => {
    const { id, dir } = container();
    const file = path.join(dir, 'tty.json');
    fs.writeFileSync(file, JSON.stringify({ args: ['sleep', '5'], cwd: '/', env: ['PATH=/bin'], terminal: true }));
    const listener = new ConsoleListener(dir, 'tty.sock');
    try {
      const r = ocirtToFiles(scope.root, ['exec', '--process', file, '--tty', '--detach', '--console-socket', listener.path, id], { dir });
      expect(r.status, r.err()).toBe(0);
      expect(r.err()).toBe('');
      fs.closeSync(listener.receive().fd);
    } finally {
      listener.close();
    }
  });

  itNeeds(host.noAppArmor)('an AppArmor profile on a host without AppArmor is refused, naming the field; nothing runs', () => {
    const { id, dir } = container();
    const r = execFile(id, dir, { args: ['touch', '/ran'], cwd: '/', apparmorProfile: 'docker-default' });
    expectCleanError(r, 'process /apparmorProfile: AppArmor profile "docker-default" requested, but AppArmor is not enabled on this host');
    expect(scope.ocirt(['exec', id, 'ls', '/ran']).status).not.toBe(0);
  });

  itNeeds(host.noSelinux)('an SELinux label on a host without SELinux is refused, naming the field', () => {
    const { id, dir } = container();
    const r = execFile(id, dir, { args: ['true'], cwd: '/', selinuxLabel: 'system_u:system_r:container_t:s0' });
    expectCleanError(r, 'process /selinuxLabel: SELinux label "system_u:system_r:container_t:s0" requested, but SELinux is not enabled on this host');
  });
});
