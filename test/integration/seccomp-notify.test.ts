// SCMP_ACT_NOTIFY: the listener fd and the container process state reach the agent at
// linux.seccomp.listenerPath (runtime-spec's seccomp notify), and the agent's answers
// are what the container's syscalls return.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { LinuxSeccomp } from '../../src/spec/types';
import { expectCleanError, lines, sh, TestScope } from '../helpers/containers';
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
const NR_MKDIR = 83;

interface Agent {
  socket: string;
  state: () => Record<string, unknown>;
  log: () => string[];
  done: Promise<number | null>;
}

/** Starts the test agent; it answers every notification with -ENOMSG. */
function startAgent(): Agent {
  const dir = scope.scratch('ocirt-agent-');
  const socket = path.join(dir, 'agent.sock');
  const stateFile = path.join(dir, 'state.json');
  const logFile = path.join(dir, 'log');
  const child = spawn(seccompTools().agent, [socket, stateFile, logFile, String(ENOMSG)], { stdio: ['ignore', 'ignore', 'inherit'] });
  agents.push(child);
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = Date.now() + 10_000;
  while (!fs.existsSync(socket) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  return {
    socket,
    state: () => JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Record<string, unknown>,
    log: () => (fs.existsSync(logFile) ? lines(fs.readFileSync(logFile, 'utf8')) : []),
    done,
  };
}

function notifyProfile(agent: Agent, extra: Partial<LinuxSeccomp> = {}): LinuxSeccomp {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    listenerPath: agent.socket,
    listenerMetadata: 'test-metadata',
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
    ...extra,
  };
}

describeNeeds(host.root, host.x86_64, host.libseccomp, host.staticCc)('seccomp notify', () => {
  it('the agent gets the listener and the state; its answers are what the container sees', async () => {
    const agent = startAgent();
    const id = scope.id('notify');
    const r = scope.run(sh('mkdir /tmp/notified; echo status=$?'), (s) => {
      s.linux!.seccomp = notifyProfile(agent);
      s.root!.readonly = false;
      s.annotations = { 'org.example/key': 'value' };
    }, [], id);
    expect(r.stdout).toBe('status=1\n');
    expect(r.stderr).toContain('No message of desired type');
    expect(await agent.done).toBe(0);
    const state = agent.state();
    expect(state).toMatchObject({
      ociVersion: '1.3.0',
      fds: ['seccompFd'],
      metadata: 'test-metadata',
      state: { ociVersion: '1.3.0', id, status: 'creating', annotations: { 'org.example/key': 'value' } },
    });
    expect(typeof state.pid).toBe('number');
    expect((state.state as { pid: number }).pid).toBe(state.pid);
    expect((state.state as { bundle: string }).bundle).toMatch(/^\//);
    expect(agent.log().some((l) => l.startsWith(`nr=${NR_MKDIR} `))).toBe(true);
  });

  itNeeds(host.seccompWaitKillableRecv)('with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV', async () => {
    const agent = startAgent();
    const r = scope.run(sh('mkdir /tmp/x; echo status=$?'), (s) => {
      s.linux!.seccomp = notifyProfile(agent, { flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] });
      s.root!.readonly = false;
    });
    expect(r.stdout).toBe('status=1\n');
    expect(await agent.done).toBe(0);
  });

  it('the init does not keep the listener: the container has no seccomp fd of its own', async () => {
    const agent = startAgent();
    const r = scope.run(sh('for f in /proc/self/fd/*; do readlink $f; done'), (s) => {
      s.linux!.seccomp = notifyProfile(agent);
    });
    expect(r.stdout).not.toMatch(/seccomp/);
    await agent.done;
  });

  it('a listenerPath nobody listens on fails create cleanly', () => {
    const id = scope.id('nolistener');
    const dir = scope.scratch('ocirt-agent-');
    const b = scope.bundle(['true'], (s) => {
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: path.join(dir, 'nobody.sock'), syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] };
    });
    const r = scope.ocirt(['create', '--bundle', b.dir, id]);
    expectCleanError(r, /seccomp: failed to connect with seccomp agent at linux\.seccomp\.listenerPath .*nobody\.sock: ENOENT/);
    expect(scope.ocirt(['state', id]).status).not.toBe(0);
  });
});
