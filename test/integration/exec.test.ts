// `exec`: a process that joins a created or running container — namespaces, cgroup,
// credentials, the container's defaults, the process file, fds, exit status, errors.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import type { TestBundle } from '../helpers/bundle';
import { TestScope, lines, ocirtToFiles, processesInCgroupOf, procStatusField, stateOf } from '../helpers/containers';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';
import { host, itNeeds } from '../helpers/host-capabilities';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const NS = ['user', 'mnt', 'pid', 'net', 'ipc', 'uts', 'cgroup', 'time'];

/** A container whose init sleeps: `run -d` (or only `create`). Returns its id, init pid and bundle dir. */
function waiting(edit?: (s: Spec, b: TestBundle) => void, verb: 'run' | 'create' = 'run'): { id: string; pid: number; dir: string } {
  const b = scope.bundle(['sleep', '1000']);
  edit?.(b.spec, b);
  b.save();
  const id = scope.id('ex');
  const r = ocirtToFiles(scope.root, [verb, ...(verb === 'run' ? ['-d'] : []), '--bundle', b.dir, id], { dir: b.dir });
  expect(r.status, r.err()).toBe(0);
  return { id, pid: stateOf(scope.root, id).pid, dir: b.dir };
}

function exec(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const r = spawnSync(OCIRT, ['--root', scope.root, 'exec', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: opts.env ?? process.env,
    input: opts.input,
  });
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

function nsLinks(pid: number): Record<string, string> {
  // A kernel without time namespaces has no ns/time link (host.timeNamespaces).
  return Object.fromEntries(NS.filter((n) => fs.existsSync(`/proc/${pid}/ns/${n}`)).map((n) => [n, fs.readlinkSync(`/proc/${pid}/ns/${n}`)]));
}

/** A detached exec of `sleep`, its host pid from --pid-file. */
function execDetached(id: string, dir: string, extra: string[] = []): number {
  const pidFile = path.join(dir, `exec-${Date.now()}.pid`);
  const r = ocirtToFiles(scope.root, ['exec', '--detach', '--pid-file', pidFile, ...extra, id, 'sleep', '1000'], { dir });
  expect(r.status, r.err()).toBe(0);
  const text = fs.readFileSync(pidFile, 'utf8');
  expect(text).toMatch(/^\d+$/);
  return Number(text);
}

const USERNS = (s: Spec, b: TestBundle) => {
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spawnSync('chown', ['-R', '100000:100000', b.rootfs]);
  fs.chmodSync(b.dir, 0o755);
};

const TIMENS = (s: Spec) => {
  s.linux!.namespaces!.push({ type: 'time' });
  s.linux!.timeOffsets = { boottime: { secs: 86400 * 365, nanosecs: 0 } };
};

describe.skipIf(!isRoot)('exec (needs root)', () => {
  it('runs a command in a running container and returns its output and status', () => {
    const { id } = waiting();
    const r = exec([id, 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    expect(r.status).toBe(7);
    expect(exec([id, 'true']).status).toBe(0);
  });

  it('a process killed by signal N gives 128+N', () => {
    const { id } = waiting();
    expect(exec([id, 'sh', '-c', 'kill -9 $$']).status).toBe(137);
  });

  itNeeds(host.userNamespaces)('joins every namespace of the init, a user namespace first, and its cgroup', () => {
    const { id, pid, dir } = waiting(USERNS);
    const p = execDetached(id, dir);
    expect(nsLinks(p)).toEqual(nsLinks(pid));
    expect(fs.readFileSync(`/proc/${p}/cgroup`, 'utf8')).toBe(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
    // inside: root of the user namespace, in a pid namespace of its own
    const r = exec([id, 'sh', '-c', 'id -u; cat /proc/self/uid_map; echo $$']);
    expect(r.status, r.stderr).toBe(0);
    const [uid, map, selfPid] = lines(r.stdout);
    expect(uid).toBe('0');
    expect(map.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    expect(Number(selfPid)).toBeGreaterThan(1);
    expect(procStatusField(p, 'Uid')?.split(/\s+/)[0]).toBe('100000');
  });

  itNeeds(host.timeNamespaces)('joins the container\'s time namespace: its clocks carry the offsets', () => {
    const { id, pid, dir } = waiting(TIMENS);
    const p = execDetached(id, dir);
    expect(nsLinks(p)).toEqual(nsLinks(pid));
    const r = exec([id, 'cut', '-d.', '-f1', '/proc/uptime']);
    expect(r.status, r.stderr).toBe(0);
    expect(Number(r.stdout)).toBeGreaterThanOrEqual(86400 * 365);
  });

  it('--detach: the pid file holds the host pid; the process is reparented to the caller\'s subreaper', () => {
    const { id, dir } = waiting();
    // A subreaper of its own (as containerd-shim and conmon are) runs the exec, reports
    // the parent of the exec'd process, then kills and reaps it.
    const pidFile = path.join(dir, 'reaper.pid');
    const script = `
      const { spawnSync } = require('node:child_process');
      const fs = require('node:fs');
      const n = require(${JSON.stringify(path.resolve(__dirname, '../../addon/build/Release/ocirt.node'))});
      n.setChildSubreaper();
      const r = spawnSync(${JSON.stringify(OCIRT)}, ['--root', ${JSON.stringify(scope.root)}, 'exec', '-d', '--pid-file', ${JSON.stringify(pidFile)}, ${JSON.stringify(id)}, 'sleep', '1000'], { stdio: ['ignore', 'ignore', 'inherit'] });
      const pid = Number(fs.readFileSync(${JSON.stringify(pidFile)}, 'utf8'));
      const status = fs.readFileSync('/proc/' + pid + '/status', 'utf8');
      const exe = fs.readlinkSync('/proc/' + pid + '/exe');
      process.kill(pid, 'SIGKILL');
      n.waitForExit(pid).then((w) => console.log(JSON.stringify({ code: r.status, pid, self: process.pid, ppid: /PPid:\\s*(\\d+)/.exec(status)[1], exe, signal: w.signal })));
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as { code: number; pid: number; self: number; ppid: string; exe: string; signal: number };
    expect(got.code).toBe(0);
    expect(fs.readFileSync(pidFile, 'utf8')).toMatch(/^\d+$/);
    expect(got.ppid).toBe(String(got.self));
    // the container's own binary (a path in its root), not a runtime binary
    expect(got.exe).toBe('/bin/busybox');
    expect(got.signal).toBe(9);
  });

  it('works on a created container that has not started yet, which then starts normally', () => {
    const { id } = waiting(undefined, 'create');
    const r = exec([id, 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo']);
    expect(r.status, r.stderr).toBe(0);
    expect(stateOf(scope.root, id).status).toBe('created');
    expect(scope.ocirt(['start', id]).status).toBe(0);
    expect(stateOf(scope.root, id).status).toBe('running');
  });

  it('gets the container\'s environment, cwd, user, capabilities, rlimits and no_new_privs', () => {
    const { id, pid } = waiting((s) => {
      s.process!.env = ['PATH=/bin', 'FROM_CONFIG=yes'];
      s.process!.cwd = '/tmp';
      s.process!.user = { uid: 1000, gid: 1000, additionalGids: [5] };
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
      s.process!.noNewPrivileges = true;
    });
    const r = exec([id, 'sh', '-c', 'echo $FROM_CONFIG; pwd; id -u; id -g; id -G; ulimit -n; ulimit -Hn; grep -E "^(CapBnd|CapEff|NoNewPrivs)" /proc/self/status'], {
      env: { ...process.env, NODE_OPTIONS: '--leaked', CALLER_ONLY: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out.slice(0, 7)).toEqual(['yes', '/tmp', '1000', '1000', '1000 5', '321', '654']);
    // /proc/self/status order: CapEff (none for uid 1000), CapBnd, NoNewPrivs
    expect(out[7]).toBe('CapEff:\t0000000000000000');
    expect(out[8].split(/\s+/)[1]).toBe(procStatusField(pid, 'CapBnd'));
    expect(out[9]).toMatch(/NoNewPrivs:\s+1/);
    expect(exec([id, 'env']).stdout.split('\n').sort().filter(Boolean)).toEqual(['FROM_CONFIG=yes', 'PATH=/bin']);
  });

  it('flags: --env, --cwd, --user, --additional-gids, --cap, --no-new-privs=false', () => {
    const { id } = waiting((s) => {
      s.process!.noNewPrivileges = true;
    });
    const r = exec([
      '-e', 'EXTRA=1', '--cwd', '/etc', '-u', '1000:1000', '--additional-gids', '7', '--cap', 'CAP_SYS_ADMIN', '--no-new-privs=false',
      id, 'sh', '-c', 'echo $EXTRA; pwd; id -u; id -G; grep -E "^(CapBnd|NoNewPrivs)" /proc/self/status',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out.slice(0, 4)).toEqual(['1', '/etc', '1000', '1000 7']);
    const bounding = BigInt(`0x${out[4].split(/\s+/)[1]}`);
    expect((bounding >> 21n) & 1n).toBe(1n);
    expect(out[5]).toMatch(/NoNewPrivs:\s+0/);
  });

  it('--process FILE: the file\'s process, the container\'s capabilities and rlimits where it has none', () => {
    const { id, pid, dir } = waiting((s) => {
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 111, hard: 222 }];
    });
    const file = path.join(dir, 'process.json');
    fs.writeFileSync(file, JSON.stringify({
      args: ['sh', '-c', 'echo $ONLY_FILE; pwd; id -u; ulimit -n; grep CapBnd /proc/self/status'],
      env: ['ONLY_FILE=f'], cwd: '/proc', user: { uid: 2, gid: 2 },
    }));
    const r = exec(['--process', file, id]);
    expect(r.status, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out.slice(0, 4)).toEqual(['f', '/proc', '2', '111']);
    expect(out[4].split(/\s+/)[1]).toBe(procStatusField(pid, 'CapBnd'));
    fs.writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'ulimit -n; grep CapEff /proc/self/status'], cwd: '/', rlimits: [{ type: 'RLIMIT_NOFILE', soft: 50, hard: 60 }], capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] } }));
    const own = exec(['--process', file, id]);
    expect(lines(own.stdout)).toEqual(['50', 'CapEff:\t0000000000000020']);
  });

  it('--preserve-fds and LISTEN_FDS pass fds 3.. and nothing more', () => {
    const { id, dir } = waiting();
    const a = fs.openSync(path.join(dir, 'fd-a'), 'w');
    const b = fs.openSync(path.join(dir, 'fd-b'), 'w');
    const leaked = fs.openSync(path.join(dir, 'fd-leak'), 'w');
    try {
      const script = 'echo x >&3; echo y >&4; ls /proc/self/fd | sort -n | tr "\\n" " "; echo "$LISTEN_FDS/$LISTEN_PID/$$"';
      const r = ocirtToFiles(scope.root, ['exec', '--preserve-fds', '2', id, 'sh', '-c', script], { dir, extraFds: [a, b, leaked] });
      expect(r.status, r.err()).toBe(0);
      expect(r.out()).toMatch(/^0 1 2 3 4 \d+ \/\/\d+\n$/);
      expect(fs.readFileSync(path.join(dir, 'fd-a'), 'utf8')).toBe('x\n');
      expect(fs.readFileSync(path.join(dir, 'fd-b'), 'utf8')).toBe('y\n');
      // socket activation: LISTEN_PID is ocirt itself (the launcher execs node), fds from 3
      const act = spawnSync('sh', ['-c', `LISTEN_PID=$$ LISTEN_FDS=1 exec "${OCIRT}" --root "${scope.root}" exec ${id} sh -c 'echo $LISTEN_FDS:$LISTEN_PID:$$; ls /proc/self/fd/3 >/dev/null && echo has3'`], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', a],
      });
      expect(act.stderr).toBe('');
      const [count, listenPid, self] = lines(act.stdout)[0].split(':');
      expect(count).toBe('1');
      expect(listenPid).toBe(self);
      expect(lines(act.stdout)[1]).toBe('has3');
    } finally {
      for (const fd of [a, b, leaked]) fs.closeSync(fd);
    }
  });

  it('run with LISTEN_FDS: the fds from 3, LISTEN_FDS and LISTEN_PID=1 for the init (socket activation)', () => {
    const b = scope.bundle(['sh', '-c', 'echo "$LISTEN_FDS:$LISTEN_PID"; echo via-3 >&3; ls /proc/self/fd | sort -n | tr "\\n" " "']);
    const fd = fs.openSync(path.join(b.dir, 'activated'), 'w');
    try {
      const id = scope.id('listen');
      const r = spawnSync('sh', ['-c', `LISTEN_PID=$$ LISTEN_FDS=1 exec "${OCIRT}" --root "${scope.root}" run --bundle "${b.dir}" ${id}`], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', fd],
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(lines(r.stdout)).toEqual(['1:1', expect.stringMatching(/^0 1 2 3 \d+ $/)]);
      expect(fs.readFileSync(path.join(b.dir, 'activated'), 'utf8')).toBe('via-3\n');
      // LISTEN_PID naming another process: the variables are not ocirt's, nothing is passed
      const other = spawnSync('sh', ['-c', `LISTEN_PID=1 LISTEN_FDS=1 exec "${OCIRT}" --root "${scope.root}" run --bundle "${b.dir}" ${scope.id('listen')}`], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', fd],
      });
      expect(lines(other.stdout)[0]).toBe(':');
    } finally {
      fs.closeSync(fd);
    }
  });

  it('an fd named by --preserve-fds that is not open is an error', () => {
    const { id } = waiting();
    const r = exec(['--preserve-fds', '40', id, 'true']);
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/unable to stat preserved-fd \d+ \(of 40\): EBADF/);
  });

  it('waits in the foreground and passes signals on to the process', async () => {
    const { id } = waiting();
    const child = spawn(OCIRT, ['--root', scope.root, 'exec', id, 'sh', '-c', 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.05; done'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    for (let i = 0; i < 400 && !out.includes('ready'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(out).toContain('ready');
    child.kill('SIGTERM');
    expect(await done).toBe(42);
    expect(out).toContain('got-term');
  });

  it('errors as engines parse them: exit 255, one line, runc\'s words, the JSON log', () => {
    const { id, dir, pid } = waiting();
    const log = path.join(dir, 'log.json');
    const r = spawnSync(OCIRT, ['--root', scope.root, '--log', log, '--log-format', 'json', 'exec', id, 'nosuch'], { encoding: 'utf8' });
    expect(r.status).toBe(255);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('exec: "nosuch": executable file not found in $PATH');
    const entries = lines(fs.readFileSync(log, 'utf8')).map((l) => JSON.parse(l) as { level: string; msg: string; time: string });
    expect(entries).toHaveLength(1);
    expect(entries[0].level).toBe('error');
    expect(entries[0].msg).toContain('executable file not found in $PATH');
    expect(entries[0].time).toMatch(/^\d{4}-\d\d-\d\dT/);
    // no process of the failed exec stays in the container
    expect(processesInCgroupOf(id)).toEqual([pid]);

    expect(exec([id, '/etc/passwd']).stderr).toMatch(/permission denied/);
    const cwd = exec(['--cwd', '/nonexistent', id, 'true']);
    expect(cwd.status).toBe(255);
    expect(cwd.stderr).toMatch(/chdir \/nonexistent: ENOENT \(no such file or directory\)/);
    expect(exec(['nosuch-container', 'true'])).toMatchObject({ status: 255, stderr: expect.stringContaining('container does not exist') });
    expect(exec([id])).toMatchObject({ status: 255, stderr: expect.stringContaining('exec args cannot be empty') });
    expect(exec(['-u', 'root', id, 'true']).stderr).toContain('bad uid');
    expect(exec(['--process', path.join(dir, 'missing.json'), id]).stderr).toMatch(/ENOENT/);
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"args": [], "cwd": "/"}');
    expect(exec(['--process', path.join(dir, 'bad.json'), id]).stderr).toMatch(/bad\.json: \/args: must not be empty/);
    for (const res of [exec([id, 'nosuch']), exec(['--cwd', 'relative', id, 'true'])]) expect(res.stderr).not.toMatch(/internal error|\n.+\n/);
  });

  it('refuses a stopped and a paused container', () => {
    const b = scope.bundle(['true']);
    const id = scope.id('stopped');
    expect(ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir }).status).toBe(0);
    for (let i = 0; i < 100 && stateOf(scope.root, id).status !== 'stopped'; i++) spawnSync('sleep', ['0.05']);
    expect(exec([id, 'true'])).toMatchObject({ status: 255, stderr: expect.stringContaining('cannot exec in a stopped container') });

    const { id: paused } = waiting();
    expect(scope.ocirt(['pause', paused]).status).toBe(0);
    expect(exec([paused, 'true']).stderr).toContain('cannot exec in a paused container');
    expect(scope.ocirt(['resume', paused]).status).toBe(0);
    expect(exec([paused, 'true']).status).toBe(0);
  });

  it('the exec helper never shows a host binary and the process starts with default signal state', () => {
    const { id } = waiting();
    const r = exec([id, 'grep', '-E', '^(SigIgn|SigBlk)', '/proc/self/status']);
    expect(lines(r.stdout)).toEqual(['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000']);
    expect(r.status).toBe(0);
  });

  it('delete --force of a container also ends its exec\'d processes', () => {
    const { id, dir } = waiting((s) => {
      // no pid namespace: killing the init alone would not end the rest
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    });
    const p = execDetached(id, dir);
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
    expect(procStatusField(p, 'State') ?? 'Z').toMatch(/^Z/);
  });
});
