import { describe, expect, it } from 'vitest';
import { compileExecPlan } from '../../src/lifecycle/exec-plan';
import { compileExecTemplate, fastPathFailure, processAttributesOf, type ExecTemplate, type ExecTemplateInput } from '../../src/lifecycle/exec-template';
import type { Spec } from '../../src/spec/types';
import type { ContainerRecord } from '../../src/state/record';

const record = {
  stateVersion: 1,
  ociVersion: '1.3.0',
  id: 'c1',
  bundle: '/b',
  rootfs: '/b/rootfs',
  pid: 4321,
  initStartTime: '999',
  created: '2026-12-02T00:00:00Z',
  owner: '',
  annotations: {},
  status: 'creating',
  hooks: { poststart: [], poststop: [] },
  cgroup: { driver: 'cgroupfs-v1', paths: { memory: '/sys/fs/cgroup/memory/c1', 'cpu,cpuacct': '/sys/fs/cgroup/cpu,cpuacct/c1' } },
  namespaces: [{ type: 'pid' }, { type: 'mount' }],
  sharesPidNamespace: false,
  rootless: false,
  execFifo: '/run/ocirt/c1/exec.fifo',
} as ContainerRecord;

const spec = (over: Partial<NonNullable<Spec['process']>> = {}): Spec => ({
  ociVersion: '1.3.0',
  process: { args: ['sleep', '60'], cwd: '/', user: { uid: 5, gid: 6 }, env: ['PATH=/bin', 'A=1', 'A=2'], terminal: true, consoleSize: { height: 3, width: 4 }, ...over },
  linux: {},
});

const input = (over: Partial<ExecTemplateInput> = {}): ExecTemplateInput => ({
  record,
  spec: spec(),
  capLastCap: 40,
  capBounding: String((1n << 41n) - 1n),
  userNamespaceIsOwn: false,
  attributes: {},
  ...over,
});

describe('compileExecTemplate', () => {
  it('is the plan Node would compile for the container\'s own process, without a terminal', () => {
    const t = compileExecTemplate(input()) as ExecTemplate;
    expect(typeof t).toBe('object');
    const { terminal: _t, consoleSize: _c, ...process } = spec().process!;
    expect(t.plan).toEqual(
      compileExecPlan({
        containerId: 'c1', initPid: 4321, namespaces: record.namespaces, rootfs: record.rootfs, process: { ...process, terminal: false }, spec: spec(),
        capLastCap: 40, capBounding: input().capBounding, preserveFds: 0, listenFds: 0, userNamespaceIsOwn: false, terminalRelayed: false,
      }),
    );
    expect(t.plan.terminal).toBeUndefined();
    expect(t).toMatchObject({ templateVersion: 1, initPid: 4321, initStartTime: '999', process: spec().process });
  });

  it('offers the container\'s environment and that plus TERM=xterm (a CRI exec with a tty), each as the plan gets it', () => {
    const t = compileExecTemplate(input()) as ExecTemplate;
    expect(t.envVariants).toEqual([
      { env: ['PATH=/bin', 'A=1', 'A=2'], planEnv: ['PATH=/bin', 'A=2'], searchPath: '/bin' },
      { env: ['PATH=/bin', 'A=1', 'A=2', 'TERM=xterm'], planEnv: ['PATH=/bin', 'A=2', 'TERM=xterm'], searchPath: '/bin' },
    ]);
  });

  it('names the cgroup.procs of every hierarchy the exec joins, none without cgroups', () => {
    const t = compileExecTemplate(input()) as ExecTemplate;
    expect(t.cgroupProcs).toEqual(['/sys/fs/cgroup/memory/c1/cgroup.procs', '/sys/fs/cgroup/cpu,cpuacct/c1/cgroup.procs']);
    const none = compileExecTemplate(input({ record: { ...record, cgroup: { driver: 'none', paths: {} } } })) as ExecTemplate;
    expect(none.cgroupProcs).toEqual([]);
  });

  it('gives the console-socket terminal with no size: ocirt-fast fills in consoleSize', () => {
    const t = compileExecTemplate(input()) as ExecTemplate;
    expect(t.consoleTerminal).toEqual({ channelFd: 4, rows: 0, cols: 0, mountConsole: false, clearOnlcr: false });
  });

  it('reuses the container\'s compiled attributes, never the init-only ones', () => {
    const seccomp = { flags: 0, filter: 'AAAA', beforeCredentials: false, notify: false } as never;
    const t = compileExecTemplate(input({ attributes: processAttributesOf({ seccomp, personality: 8, cpuAffinity: { initial: null, final: null } }) })) as ExecTemplate;
    expect(t.plan.seccomp).toBe(seccomp);
    expect(t.plan.personality).toBe(8);
    expect(t.plan.cpuAffinity).toBeUndefined();
  });

  it('writes none, with the reason, where the runtime has more to do for each exec', () => {
    expect(compileExecTemplate(input({ attributes: { seccomp: { notify: true } as never } }))).toMatch(/seccomp notify/);
    expect(compileExecTemplate(input({ spec: spec({ execCPUAffinity: { initial: '0' } }) }))).toMatch(/execCPUAffinity/);
    const userns = { ...record, namespaces: [...record.namespaces, { type: 'user' }] };
    expect(compileExecTemplate(input({ record: userns, spec: spec({ rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 2 }] }) }))).toMatch(/rlimits/);
    expect(compileExecTemplate(input({ spec: { ociVersion: '1.3.0' } }))).toMatch(/no process/);
    expect(compileExecTemplate(input({ capBounding: undefined }))).toMatch(/bounding set/);
  });
});

describe('fastPathFailure', () => {
  it('words an init error and an early exit as exec does', () => {
    expect(fastPathFailure('c1', JSON.stringify({ type: 'error', errno: 2, syscall: 'execve', path: '/x', stage: 'process', message: '' })).message).toMatch(
      /^process: execve \/x: ENOENT/,
    );
    expect(fastPathFailure('c1', '{"type":"exited-early","status":3}').message).toBe("the exec'd process exited before it started (exit status 3)");
    expect(fastPathFailure('c1', 'not json').message).toMatch(/exec failed/);
  });
});
