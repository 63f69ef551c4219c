import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../src/cli/args';
import { def, execRequestFrom } from '../../src/cli/commands/exec';
import { listenFdCount } from '../../src/cli/commands/create-options';
import {
  type ExecCliRequest, ignoredProcessFields, parseUser, processFromCli, processFromFile, resolveExecProcess, withContainerDefaults,
} from '../../src/lifecycle/exec-process';
import type { Process } from '../../src/spec/types';

const container: Process = {
  user: { uid: 0, gid: 0, additionalGids: [10] },
  args: ['sleep', '1000'],
  env: ['PATH=/bin', 'A=1'],
  cwd: '/srv',
  terminal: true,
  consoleSize: { height: 10, width: 20 },
  capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
  rlimits: [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }],
  noNewPrivileges: true,
  oomScoreAdj: 50,
  apparmorProfile: 'container-profile',
};

const cli = (over: Partial<ExecCliRequest> = {}): ExecCliRequest => ({
  kind: 'cli', args: ['sh'], env: [], additionalGids: [], caps: [], tty: false, ...over,
});

const parse = (argv: string[]) => execRequestFrom(parseCommandArgs(def, argv), (f) => `{"file":"${f}"}`);

describe('exec command line', () => {
  it('options end at the container id; the rest is the command, flags included', () => {
    const r = parse(['-e', 'X=1', '--env=Y=2', '-u', '1000:100', '-t', '--cwd', '/tmp', 'c1', 'sh', '-c', 'echo -e hi']);
    expect(r).toEqual({
      kind: 'cli', args: ['sh', '-c', 'echo -e hi'], env: ['X=1', 'Y=2'], cwd: '/tmp', user: '1000:100',
      additionalGids: [], caps: [], noNewPrivs: undefined, tty: true, apparmor: undefined, processLabel: undefined,
    });
  });

  it('repeats --cap and --additional-gids, and reads --no-new-privs[=false]', () => {
    expect(parse(['--cap', 'CAP_SYS_ADMIN', '-c', 'NET_ADMIN', '-g', '5', '--additional-gids=6', '--no-new-privs', 'c1', 'true']))
      .toMatchObject({ caps: ['CAP_SYS_ADMIN', 'NET_ADMIN'], additionalGids: ['5', '6'], noNewPrivs: true });
    expect(parse(['--no-new-privs=false', 'c1', 'true'])).toMatchObject({ noNewPrivs: false });
  });

  it('a -- right after the id is not part of the command', () => {
    expect(parse(['c1', '--', 'ls', '--', 'x'])).toMatchObject({ args: ['ls', '--', 'x'] });
  });

  it('--process reads the file; the process flags and a command after the id are ignored, as runc does, and named (--tty, which engines pass with every file, silently)', () => {
    expect(parse(['--process', '/p.json', '--detach', '--tty', '-e', 'X=1', 'c1', 'ignored'])).toEqual({
      kind: 'file', file: '/p.json', text: '{"file":"/p.json"}', ignored: ['--env', 'the command ["ignored"]'],
    });
    expect(parse(['--process', '/p.json', '--detach', 'c1'])).toEqual({ kind: 'file', file: '/p.json', text: '{"file":"/p.json"}' });
  });

  it('needs the container id', () => {
    expect(() => parse(['-t'])).toThrow('missing argument <container-id>');
  });
});

describe('LISTEN_FDS', () => {
  it('counts only when LISTEN_PID is this process (sd_listen_fds)', () => {
    expect(listenFdCount({ LISTEN_FDS: '2', LISTEN_PID: '42' }, 42)).toBe(2);
    expect(listenFdCount({ LISTEN_FDS: '2', LISTEN_PID: '43' }, 42)).toBe(0);
    expect(listenFdCount({ LISTEN_FDS: '2' }, 42)).toBe(0);
    expect(listenFdCount({ LISTEN_FDS: 'x', LISTEN_PID: '42' }, 42)).toBe(0);
    expect(listenFdCount({}, 42)).toBe(0);
  });
});

describe('parseUser', () => {
  it('takes uid and uid:gid', () => {
    expect(parseUser('1000')).toEqual({ uid: 1000 });
    expect(parseUser('1000:100')).toEqual({ uid: 1000, gid: 100 });
  });

  it('refuses names, negatives, extra parts and overflow', () => {
    for (const bad of ['root', '-1', '1:2:3', '4294967296', '', ':5', '5:']) expect(() => parseUser(bad)).toThrow(/bad (uid|gid)/);
  });
});

describe('processFromCli (runc getProcess)', () => {
  it('starts from the container\'s process: env appended, args replaced, no terminal unless -t', () => {
    const p = processFromCli(container, cli({ args: ['ls', '-l'], env: ['B=2', 'A=3'] }));
    expect(p.args).toEqual(['ls', '-l']);
    expect(p.env).toEqual(['PATH=/bin', 'A=1', 'B=2', 'A=3']);
    expect(p.cwd).toBe('/srv');
    expect(p.terminal).toBe(false);
    expect(p.consoleSize).toBeUndefined();
    expect(p.rlimits).toEqual(container.rlimits);
    expect(p.noNewPrivileges).toBe(true);
    expect(container.args).toEqual(['sleep', '1000']);
  });

  it('overrides cwd, user, groups, no_new_privs, tty, apparmor and the label', () => {
    const p = processFromCli(container, cli({
      cwd: '/tmp', user: '1000:100', additionalGids: ['5'], noNewPrivs: false, tty: true, apparmor: 'x', processLabel: 'l',
    }));
    expect(p).toMatchObject({ cwd: '/tmp', user: { uid: 1000, gid: 100, additionalGids: [10, 5] }, noNewPrivileges: false, terminal: true, apparmorProfile: 'x', selinuxLabel: 'l' });
    expect(processFromCli(container, cli({ user: '7' })).user).toMatchObject({ uid: 7, gid: 0 });
  });

  it('--cap adds to bounding, effective and permitted; ambient only with inheritable', () => {
    const p = processFromCli(container, cli({ caps: ['sys_admin'] }));
    expect(p.capabilities).toEqual({
      bounding: ['CAP_KILL', 'CAP_SYS_ADMIN'], effective: ['CAP_KILL', 'CAP_SYS_ADMIN'], permitted: ['CAP_KILL', 'CAP_SYS_ADMIN'],
    });
    const withInh = processFromCli({ ...container, capabilities: { inheritable: [] } }, cli({ caps: ['CAP_CHOWN'] }));
    expect(withInh.capabilities?.ambient).toEqual(['CAP_CHOWN']);
  });

  it('refuses an empty command and bad group ids', () => {
    expect(() => processFromCli(container, cli({ args: [] }))).toThrow('exec args cannot be empty');
    expect(() => processFromCli(container, cli({ additionalGids: ['-3'] }))).toThrow('additional-gids must be a positive number');
  });
});

describe('processFromFile', () => {
  const file = (text: string) => processFromFile({ kind: 'file', file: '/b/p.json', text });

  it('reads a runtime-spec process', () => {
    const p = file(JSON.stringify({ args: ['ls'], cwd: '/', env: ['X=1'], user: { uid: 5, gid: 6 }, terminal: true }));
    expect(p).toMatchObject({ args: ['ls'], cwd: '/', env: ['X=1'], user: { uid: 5, gid: 6 }, terminal: true });
    expect(file('{"args":["ls"],"cwd":"/"}').user).toEqual({ uid: 0, gid: 0 });
  });

  it('names each problem by its pointer in the file', () => {
    expect(() => file('{"args":["ls"],"cwd":"relative"}')).toThrow('/b/p.json: /cwd: must be an absolute path');
    expect(() => file('{"cwd":"/"}')).toThrow('/b/p.json: /args: is required');
    expect(() => file('{"args":["ls"],"cwd":"/","rlimits":[{"type":"RLIMIT_NOPE","soft":1,"hard":1}]}')).toThrow('/rlimits/0/type');
    expect(() => file('{"args":["ls"],"cwd":"/","capabilities":{"bounding":["CAP_NOPE"]}}')).toThrow('/capabilities/bounding/0: unknown capability');
    expect(() => file('{"args":["ls"],"cwd":"/","user":{"uid":18446744073709551616}}')).toThrow('/b/p.json');
  });

  it('refuses what is not a JSON object', () => {
    expect(() => file('not json')).toThrow('/b/p.json: not valid JSON');
    expect(() => file('[1]')).toThrow('must be a JSON object');
    expect(() => file('null')).toThrow('must be a JSON object');
  });
});

describe('withContainerDefaults (runc newInitConfig)', () => {
  it('takes what the process file leaves out from the container', () => {
    const p = withContainerDefaults({ args: ['ls'], cwd: '/', user: { uid: 0, gid: 0 } }, container);
    expect(p).toMatchObject({
      capabilities: container.capabilities, rlimits: container.rlimits, noNewPrivileges: true, apparmorProfile: 'container-profile', oomScoreAdj: 50,
    });
    expect(p.env).toBeUndefined();
  });

  it('keeps what the process file says', () => {
    const own: Process = {
      args: ['ls'], cwd: '/', user: { uid: 0, gid: 0 }, capabilities: {}, rlimits: [{ type: 'RLIMIT_CORE', soft: 0, hard: 0 }], noNewPrivileges: false,
    };
    expect(withContainerDefaults(own, container)).toMatchObject({ capabilities: {}, rlimits: own.rlimits, noNewPrivileges: false });
    expect(resolveExecProcess({ kind: 'file', file: 'p', text: JSON.stringify(own) }, container).noNewPrivileges).toBe(false);
  });

  it('scheduler, ioPriority, execCPUAffinity and the umask: the file\'s, else the container\'s', () => {
    const withAttributes: Process = {
      ...container,
      user: { uid: 5, gid: 5, umask: 0o027 },
      scheduler: { policy: 'SCHED_BATCH', nice: 5 },
      ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 6 },
      execCPUAffinity: { final: '1' },
    };
    const bare = withContainerDefaults({ args: ['ls'], cwd: '/', user: { uid: 1, gid: 2 } }, withAttributes);
    expect(bare).toMatchObject({
      user: { uid: 1, gid: 2, umask: 0o027 }, scheduler: withAttributes.scheduler, ioPriority: withAttributes.ioPriority, execCPUAffinity: { final: '1' },
    });
    const own: Process = {
      args: ['ls'], cwd: '/', user: { uid: 1, gid: 2, umask: 0o077 }, scheduler: { policy: 'SCHED_IDLE' },
      ioPriority: { class: 'IOPRIO_CLASS_IDLE', priority: 0 }, execCPUAffinity: { final: '0' },
    };
    expect(withContainerDefaults(own, withAttributes)).toMatchObject(own);
  });
});

describe('ignoredProcessFields', () => {
  it('names the Windows-only fields of a process file', () => {
    expect(ignoredProcessFields({ args: ['ls'], cwd: '/', commandLine: 'x', user: { uid: 0, gid: 0, username: 'u' } })).toEqual([
      '/commandLine: Windows only; ignored', '/user/username: Windows only; ignored',
    ]);
    expect(ignoredProcessFields(container)).toEqual([]);
  });
});
