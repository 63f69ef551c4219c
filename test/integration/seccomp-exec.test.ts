// `exec` gets the container's seccomp filter (loaded for the exec'd process's own
// noNewPrivileges), and SCMP_ACT_NOTIFY hands the new process's listener to the agent.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { LinuxSeccomp } from '../../src/spec/types';
import { ocirtToFiles, stateOf, TestScope } from '../helpers/containers';
import { OCIRT } from '../helpers/ocirt-cli';
import { seccompTools } from '../helpers/seccomp-tools';
import { describeNeeds, host, itNeeds } from '../helpers/host-capabilities';

const scope = new TestScope();
const agents: ChildProcess[] = [];
afterEach(() => {
  scope.reset();
  for (const a of agents.splice(0)) a.kill('SIGKILL');
});
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const ENOMSG = 42;

function running(seccomp: LinuxSeccomp): { id: string; pid: number; dir: string } {
  const b = scope.bundle(['sleep', '1000'], (s) => {
    s.linux!.seccomp = seccomp;
    s.root!.readonly = false;
  });
  const id = scope.id('scx');
  const r = ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir });
  expect(r.status, r.err()).toBe(0);
  return { id, pid: stateOf(scope.root, id).pid, dir: b.dir };
}

function exec(args: string[]) {
  const r = spawnSync(OCIRT, ['--root', scope.root, 'exec', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

describeNeeds(host.root, host.x86_64, host.libseccomp, host.staticCc)('seccomp and exec', () => {
  const profile: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOMSG }] };

  itNeeds(host.seccompFilterCount)('the exec\'d process runs under the container\'s filter', () => {
    const { id } = running(profile);
    const r = exec([id, 'sh', '-c', 'mkdir /tmp/x; grep Seccomp_filters /proc/self/status']);
    expect(r.stderr).toContain('No message of desired type');
    expect(r.stdout).toBe('Seccomp_filters:\t1\n');
  });

  it('also without no_new_privs and as an unprivileged user (loaded before the capabilities go)', () => {
    const { id } = running(profile);
    const r = exec(['--no-new-privs=false', '--user', '1000:1000', id, 'sh', '-c', 'mkdir /tmp/y; grep NoNewPrivs /proc/self/status']);
    expect(r.stderr).toContain('No message of desired type');
    expect(r.stdout).toBe('NoNewPrivs:\t0\n');
  });

  it('SCMP_ACT_NOTIFY: the agent gets the exec\'d process\'s listener and a "running" state', async () => {
    const dir = scope.scratch('ocirt-agent-');
    const socket = path.join(dir, 'agent.sock');
    const stateFile = path.join(dir, 'state.json');
    const notifyProfile: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: socket, listenerMetadata: 'exec-meta', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }] };
    const startAgent = () => {
      const child = spawn(seccompTools().agent, [socket, stateFile, path.join(dir, 'log'), String(ENOMSG)], { stdio: 'ignore' });
      agents.push(child);
      const until = Date.now() + 10_000;
      while (!fs.existsSync(socket) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      return new Promise<number | null>((resolve) => child.on('exit', resolve));
    };
    // One agent for the init (which never calls mkdir), one for the exec'd process.
    const initAgent = startAgent();
    const { id, pid } = running(notifyProfile);
    await new Promise((r) => setTimeout(r, 100));
    fs.rmSync(socket, { force: true });
    const execAgent = startAgent();
    const r = exec([id, 'sh', '-c', 'mkdir /tmp/z; echo status=$?']);
    expect(r.stdout).toBe('status=1\n');
    expect(r.stderr).toContain('No message of desired type');
    expect(await execAgent).toBe(0);
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { pid: number; metadata: string; state: { status: string; pid: number; id: string } };
    expect(state.metadata).toBe('exec-meta');
    expect(state.state).toMatchObject({ id, status: 'running', pid });
    expect(state.pid).not.toBe(pid);
    scope.ocirt(['delete', '--force', id]);
    await initAgent;
  });
});
