import { describe, expect, it } from 'vitest';
import { compileExecPlan, execNamespaces, type ExecPlanInput } from '../../src/lifecycle/exec-plan';
import { checkTerminal, terminalPlan } from '../../src/lifecycle/terminal-plan';
import {
  CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWUTS,
} from '../../src/plan/init-plan';

const ALL = ['mount', 'time', 'cgroup', 'pid', 'network', 'uts', 'ipc', 'user'].map((type) => ({ type }));

const input = (over: Partial<ExecPlanInput> = {}): ExecPlanInput => ({
  containerId: 'c1',
  initPid: 1234,
  namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'network', path: '/var/run/netns/x' }],
  rootfs: '/b/rootfs',
  process: { args: ['sh'], cwd: '/', user: { uid: 1000, gid: 100 }, env: ['PATH=/bin'] },
  spec: { ociVersion: '1.0.2' },
  preserveFds: 0,
  listenFds: 0,
  ...over,
});

describe('execNamespaces', () => {
  it('joins every namespace of the init: user first, pid and time before mount, mount last', () => {
    expect(execNamespaces(7, ALL)).toEqual([
      { flag: CLONE_NEWUSER, path: '/proc/7/ns/user' },
      { flag: CLONE_NEWIPC, path: '/proc/7/ns/ipc' },
      { flag: CLONE_NEWUTS, path: '/proc/7/ns/uts' },
      { flag: CLONE_NEWNET, path: '/proc/7/ns/net' },
      { flag: CLONE_NEWPID, path: '/proc/7/ns/pid' },
      { flag: CLONE_NEWCGROUP, path: '/proc/7/ns/cgroup' },
      { flag: CLONE_NEWTIME, path: '/proc/7/ns/time' },
      { flag: CLONE_NEWNS, path: '/proc/7/ns/mnt' },
    ]);
  });

  it('joins only the kinds the container has, and not a user namespace that is the caller\'s own', () => {
    expect(execNamespaces(7, [{ type: 'mount' }, { type: 'user', path: '/proc/1/ns/user' }], true)).toEqual([
      { flag: CLONE_NEWNS, path: '/proc/7/ns/mnt' },
    ]);
    expect(execNamespaces(7, [])).toEqual([]);
  });
});

describe('compileExecPlan', () => {
  it('the process as the init gets it, but cwd is never created', () => {
    const plan = compileExecPlan(input());
    expect(plan).toMatchObject({
      version: 1,
      containerId: 'c1',
      chroot: null,
      preserveFds: 0,
      listenFds: 0,
      process: { args: ['sh'], cwd: '/', uid: 1000, gid: 100, env: ['PATH=/bin'], searchPath: '/bin', createCwd: false },
    });
    expect(plan.joinNamespaces.map((n) => n.path)).toEqual(['/proc/1234/ns/net', '/proc/1234/ns/pid', '/proc/1234/ns/mnt']);
    expect(plan.terminal).toBeUndefined();
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('chroots into the rootfs when the container has no mount namespace', () => {
    expect(compileExecPlan(input({ namespaces: [{ type: 'pid' }] })).chroot).toBe('/b/rootfs');
  });

  it('a terminal: its channel is the fd after the sync channel, no /dev/console', () => {
    const plan = compileExecPlan(input({ preserveFds: 2, process: { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 }, terminal: true, consoleSize: { height: 30, width: 100 } } }));
    expect(plan.terminal).toEqual({ channelFd: 6, rows: 30, cols: 100, mountConsole: false, clearOnlcr: false });
    expect(plan.preserveFds).toBe(2);
  });

  it('passes the LISTEN_FDS count through', () => {
    expect(compileExecPlan(input({ preserveFds: 3, listenFds: 2 }))).toMatchObject({ preserveFds: 3, listenFds: 2 });
  });

  it('rlimits are set by the runtime when the process joins a user namespace, by the process otherwise', () => {
    const process = { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 }, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 100000 }] };
    const userns = compileExecPlan(input({ namespaces: ALL, process })).process;
    expect(userns.rlimitsByRuntime).toBe(true);
    expect(userns.rlimits).toEqual([{ resource: 7, soft: '1024', hard: '100000' }]);
    expect(compileExecPlan(input({ process })).process).not.toHaveProperty('rlimitsByRuntime');
    // A "user namespace" that is the caller's own is not joined: setrlimit works there.
    expect(compileExecPlan(input({ namespaces: ALL, process, userNamespaceIsOwn: true })).process).not.toHaveProperty('rlimitsByRuntime');
    expect(compileExecPlan(input({ namespaces: ALL })).process).not.toHaveProperty('rlimitsByRuntime');
  });

  it('refuses what the init could not run, naming the process field', () => {
    expect(() => compileExecPlan(input({ initPid: 0 }))).toThrow('no init process');
    expect(() => compileExecPlan(input({ process: { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 }, env: ['NOEQUALS'] } }))).toThrow(
      "process /env/0: invalid environment variable: missing '='",
    );
    expect(() => compileExecPlan(input({ process: { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 }, capabilities: { bounding: ['CAP_NOPE'] } } }))).toThrow(
      'unknown capability "CAP_NOPE"',
    );
  });
});

describe('terminal rules (runc checkTerminal)', () => {
  it('a detached terminal needs a console socket; a console socket needs a detached terminal', () => {
    expect(() => checkTerminal({ detach: true, terminal: true })).toThrow('cannot allocate tty if ocirt will detach without setting console socket');
    expect(() => checkTerminal({ detach: true, terminal: false, consoleSocket: '/s' })).toThrow('cannot use console socket');
    expect(() => checkTerminal({ detach: false, terminal: true, consoleSocket: '/s' })).toThrow('cannot use console socket');
    expect(() => checkTerminal({ detach: true, terminal: true, consoleSocket: '/s' })).not.toThrow();
    expect(() => checkTerminal({ detach: false, terminal: true })).not.toThrow();
    expect(() => checkTerminal({ detach: false, terminal: false })).not.toThrow();
  });

  it('terminalPlan: only with process.terminal; the console size when both are set', () => {
    expect(terminalPlan({ cwd: '/', user: { uid: 0, gid: 0 } }, 4, true, false)).toBeUndefined();
    expect(terminalPlan({ cwd: '/', user: { uid: 0, gid: 0 }, terminal: true }, 4, true, false))
      .toEqual({ channelFd: 4, rows: 0, cols: 0, mountConsole: true, clearOnlcr: false });
    expect(terminalPlan({ cwd: '/', user: { uid: 0, gid: 0 }, terminal: true, consoleSize: { height: 0, width: 80 } }, 5, false, false))
      .toEqual({ channelFd: 5, rows: 0, cols: 0, mountConsole: false, clearOnlcr: false });
  });

  it('ONLCR is cleared only on a pty ocirt relays itself (foreground exec -t), as runc\'s relay does', () => {
    const tty = { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 }, terminal: true };
    expect(compileExecPlan(input({ process: tty, terminalRelayed: true })).terminal?.clearOnlcr).toBe(true);
    expect(compileExecPlan(input({ process: tty })).terminal?.clearOnlcr).toBe(false);
  });
});
