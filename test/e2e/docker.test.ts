// Docker (Debian's docker.io: dockerd 20.10 over containerd's runc.v2 shim) with ocirt
// registered as a runtime (--add-runtime), a private dockerd started once for this file
// (test/e2e/private-dockerd.ts) on a busybox image imported from a local tarball. Every
// scenario runs with ocirt and with runc in the same test: a failure names the runtime
// and the docker call, with the runtime's own error lines from the shim's log.json, and
// one that is ocirt's alone says so.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedList, binaries, describeNeeds, host, itNeeds } from '../helpers/host-capabilities';
import { runtimesUnderTest, type Result, type Runtime } from './engines';
import { PrivateDockerd } from './private-dockerd';
import { runAsync, untilAsync } from './run-async';
import { sideBySide as eachRuntime } from './side-by-side';

const IMAGE = 'ocirt-e2e-busybox:latest';
const RUNTIMES = runtimesUnderTest();
const sideBySide = (scenario: (rt: Runtime) => Promise<void>) => eachRuntime(RUNTIMES, scenario);
const needs = [host.root, binaries('dockerd', 'docker', 'containerd', 'containerd-shim-runc-v2', 'docker-init', 'runc')];
const describeDocker = describeNeeds(...needs);

let dockerd: PrivateDockerd | undefined;

interface CallOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Another daemon than the file's. */
  daemon?: PrivateDockerd;
}

/** A docker call whose exit status is checked; the error names the call, stderr and the runtime's log.json errors. */
async function docker(args: string[], status = 0, opts: CallOptions = {}): Promise<Result> {
  const d = opts.daemon ?? dockerd!;
  const r = await d.docker(args, opts);
  if (r.status !== status) throw new Error(callFailure(`docker ${args.join(' ')}`, r, status, d));
  return r;
}

function callFailure(call: string, r: Result, expected: number, d = dockerd!): string {
  const logged = d.runtimeErrors();
  return [
    `${call} exited ${r.status}, expected ${expected}`,
    `stderr: ${r.stderr.trim() || '(empty)'}`,
    ...(r.stdout.trim() ? [`stdout: ${r.stdout.trim().slice(0, 2000)}`] : []),
    ...(logged.length ? ['runtime errors in the shim\'s log.json:', ...logged.map((l) => `  ${l}`)] : []),
  ].join('\n');
}

/** A docker command run under `script` (a pty for the CLI: -t/-it need one); typed is written to it. */
function withTty(args: string[], typed: string): Promise<Result> {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const cmd = `${dockerd!.dockerCommand()} ${quoted}`;
  // typed a second later (the pty buffers it anyway); script -e exits with docker's status;
  // script's own pty turns each \n of the output into \r\n once more
  return runAsync('sh', ['-c', `(sleep 1; printf '%s' "$TYPED") | script -qec "$CMD" /dev/null`], {
    timeoutMs: 120_000,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dockerd!.dir, TYPED: typed, CMD: cmd },
  });
}

/** `docker run --rm --network none --runtime NAME FLAGS IMAGE sh -c SCRIPT`. */
function runSh(rt: Runtime, flags: string[], script: string, status = 0, opts: { input?: string } = {}): Promise<Result> {
  return docker(['run', '--rm', '--network', 'none', '--runtime', rt.name, ...flags, IMAGE, 'sh', '-c', script], status, opts);
}

async function inspect(name: string, format: string, daemon?: PrivateDockerd): Promise<string> {
  return (await docker(['inspect', '--format', format, name], 0, { daemon })).stdout.trim();
}

describeDocker('docker (dockerd 20.10, runc.v2 shim)', () => {
  let dir = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-e2e-docker-'));
    dockerd = await PrivateDockerd.start(dir, RUNTIMES, { registration: 'flags' });
    await dockerd.importBusybox(IMAGE);
    const info = (await docker(['info', '--format', '{{json .Runtimes}} {{.DefaultRuntime}} {{.InitBinary}}'])).stdout;
    for (const rt of RUNTIMES) expect(info).toContain(`"${rt.name}"`);
    expect(info.trim().endsWith('runc docker-init')).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await dockerd?.stop();
    dockerd = undefined;
  }, 120_000);

  it('run --rm: output, stderr and exit status; a missing command is 127, a non-executable one 126', () =>
    sideBySide(async (rt) => {
      const r = await runSh(rt, [], 'echo hello from $(id -u); echo to-stderr >&2; exit 3', 3);
      expect(r.stdout).toBe('hello from 0\n');
      expect(r.stderr).toContain('to-stderr');
      const missing = await docker(['run', '--rm', '--network', 'none', '--runtime', rt.name, IMAGE, 'nosuch-command'], 127);
      expect(missing.stderr).toContain('nosuch-command');
      await docker(['run', '--rm', '--network', 'none', '--runtime', rt.name, IMAGE, '/etc/passwd'], 126);
      expect((await docker(['ps', '--all', '--quiet', '--filter', `ancestor=${IMAGE}`])).stdout).toBe('');
    }),
  );

  itNeeds(host.script)('run -t, run -it, and run -i with piped stdin', () =>
    sideBySide(async (rt) => {
      const t = await withTty(['run', '--rm', '-t', '--network', 'none', '--runtime', rt.name, IMAGE, 'sh', '-c', 'tty; ls -l /dev/console | cut -c1; exit 4'], '');
      expect(t.status, callFailure('script: docker run -t', t, 4)).toBe(4);
      expect(t.stdout).toMatch(/\/dev\/pts\/\d+\r+\nc\r+\n/);
      const interactive = await withTty(['run', '--rm', '-it', '--network', 'none', '--runtime', rt.name, IMAGE, 'sh'], 'tty; echo typed $((6*7)); exit 6\n');
      expect(interactive.status, callFailure('script: docker run -it', interactive, 6)).toBe(6);
      expect(interactive.stdout).toMatch(/\/dev\/pts\/\d+\r+\ntyped 42\r+\n/);
      const piped = await runSh(rt, ['-i'], 'wc -l; read -r first; echo "after eof: [$first]"', 0, { input: 'one\ntwo\nthree\n' });
      expect(piped.stdout).toBe('3\nafter eof: []\n');
    }),
  );

  it('run -d, exec (status, -it), logs, kill -s, top, pause/unpause, update, stats, stop of a paused container, restart, rm', () =>
    sideBySide(async (rt) => {
      const c = `bg-${rt.name}`;
      await docker(['run', '-d', '--name', c, '--network', 'none', '--runtime', rt.name, IMAGE, 'sh', '-c', 'trap "echo got-usr1" USR1; echo started; while :; do sleep 0.2; done']);
      try {
        expect(await inspect(c, '{{.State.Status}} {{.HostConfig.Runtime}}')).toBe(`running ${rt.name}`);
        const e = await docker(['exec', c, 'sh', '-c', 'echo exec-$((40+2)); cat /proc/1/cmdline | tr "\\0" " "; echo'], 0);
        expect(e.stdout).toBe('exec-42\nsh -c trap "echo got-usr1" USR1; echo started; while :; do sleep 0.2; done \n');
        await docker(['exec', c, 'sh', '-c', 'exit 9'], 9);
        // dockerd 20.10 gives 126 for any exec the runtime refuses, and the runtime's words
        const gone = await docker(['exec', c, 'nosuch-command'], 126);
        expect(gone.stdout + gone.stderr).toContain('"nosuch-command": executable file not found in $PATH');
        if (host.script() === undefined) {
          const interactive = await withTty(['exec', '-it', c, 'sh'], 'tty; echo in-exec $((6*7)); exit 7\n');
          expect(interactive.status, callFailure('script: docker exec -it', interactive, 7)).toBe(7);
          expect(interactive.stdout).toMatch(/\/dev\/pts\/\d+\r+\nin-exec 42\r+\n/);
        }

        await docker(['kill', '--signal', 'USR1', c]);
        expect(await untilAsync(async () => (await docker(['logs', c])).stdout === 'started\ngot-usr1\n'), `logs: ${(await docker(['logs', c])).stdout}`).toBe(true);
        expect(await inspect(c, '{{.State.Status}}')).toBe('running');

        const top = await docker(['top', c, '-o', 'pid,args']);
        expect(top.stdout).toContain('sh -c trap');

        await docker(['pause', c]);
        expect(await inspect(c, '{{.State.Status}} {{.State.Paused}}')).toBe('paused true');
        const refused = await docker(['exec', c, 'true'], 1);
        expect(refused.stderr).toContain('is paused');
        await docker(['unpause', c]);
        expect(await inspect(c, '{{.State.Status}} {{.State.Paused}}')).toBe('running false');

        await docker(['update', '--memory', '32m', '--memory-swap', '64m', '--pids-limit', '20', '--cpus', '0.25', c]);
        if (host.cgroupV1() === undefined) {
          const limits = await docker(['exec', c, 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes', '/sys/fs/cgroup/pids/pids.max', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us'], 0);
          expect(limits.stdout.split('\n').filter(Boolean)).toEqual([String(32 << 20), String(64 << 20), '20', '25000']);
        }
        expect(await inspect(c, '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}')).toBe(`${32 << 20} 20 250000000`);

        const stats = (await docker(['stats', '--no-stream', '--format', '{{.Name}}|{{.MemUsage}}|{{.PIDs}}', c])).stdout.trim();
        const [name, mem, pids] = stats.split('|');
        expect(name).toBe(c);
        expect(mem).toMatch(/^[\d.]+[KMG]?i?B \/ 32MiB$/);
        expect(Number(pids)).toBeGreaterThanOrEqual(1);

        // sh as pid 1 has no TERM handler: stop sends KILL after the timeout, paused or not
        await docker(['pause', c]);
        await docker(['stop', '--time', '1', c]);
        expect(await inspect(c, '{{.State.Status}} {{.State.ExitCode}} {{.State.Paused}}')).toBe('exited 137 false');

        const firstStart = await inspect(c, '{{.State.StartedAt}}');
        await docker(['restart', '--time', '1', c]);
        expect(await inspect(c, '{{.State.Status}}')).toBe('running');
        expect(await inspect(c, '{{.State.StartedAt}}')).not.toBe(firstStart);
        expect(await untilAsync(async () => (await docker(['logs', c])).stdout === 'started\ngot-usr1\nstarted\n')).toBe(true);
        await docker(['exec', c, 'true']);
      } finally {
        await dockerd!.docker(['rm', '--force', c]);
      }
      expect((await docker(['ps', '--all', '--quiet', '--filter', `name=^${c}$`])).stdout).toBe('');
    }),
  );

  it('stop: TERM reaches a process that handles it, which exits with its own status', () =>
    sideBySide(async (rt) => {
      const c = `term-${rt.name}`;
      await docker(['run', '-d', '--name', c, '--network', 'none', '--runtime', rt.name, IMAGE, 'sh', '-c', 'trap "echo got-term; exit 0" TERM; while :; do sleep 0.1; done']);
      try {
        await docker(['stop', '--time', '30', c]);
        expect(await inspect(c, '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 0');
        expect((await docker(['logs', c])).stdout).toBe('got-term\n');
        await docker(['rm', c]);
      } finally {
        await dockerd!.docker(['rm', '--force', c]);
      }
    }),
  );

  itNeeds(host.cgroupV1)('--memory, --pids-limit, --cpus, --cpuset-cpus: read back inside the container (cgroup v1)', () =>
    sideBySide(async (rt) => {
      const cpu = allowedList('Cpus_allowed_list').at(-1) ?? 0;
      const r = await runSh(
        rt,
        ['--memory', '64m', '--pids-limit', '50', '--cpus', '0.5', '--cpuset-cpus', String(cpu)],
        'cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes pids/pids.max cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpuset/cpuset.cpus; grep Cpus_allowed_list /proc/self/status',
      );
      expect(r.stdout.split('\n').filter(Boolean)).toEqual([String(64 << 20), '50', '50000', '100000', String(cpu), `Cpus_allowed_list:\t${cpu}`]);
    }),
  );

  itNeeds(host.nofile1024)('--user, --group-add, --workdir, -e, --hostname, --ulimit, --oom-score-adj', () =>
    sideBySide(async (rt) => {
      const r = await runSh(
        rt,
        ['--user', '1000:1000', '--group-add', '50', '--workdir', '/tmp', '-e', 'FOO=bar baz', '--hostname', 'ocirt-e2e', '--ulimit', 'nofile=512:1024', '--oom-score-adj', '123'],
        'id -u; id -g; id -G; pwd; echo "$FOO"; hostname; ulimit -Sn; ulimit -Hn; cat /proc/self/oom_score_adj',
      );
      expect(r.stdout.split('\n').filter(Boolean)).toEqual(['1000', '1000', '1000 50', '/tmp', 'bar baz', 'ocirt-e2e', '512', '1024', '123']);
    }),
  );

  itNeeds(host.loopDevice)('--read-only, --tmpfs, --shm-size, --device', () =>
    sideBySide(async (rt) => {
      const r = await runSh(
        rt,
        // /scratch is not in the image; /run is, 0755 (runc 1.1.5 would put that mode over
        // a mode= option too: runc#3911, fixed in 1.1.8, so the option is tested on /scratch)
        ['--read-only', '--tmpfs', '/scratch:size=1m,mode=1770', '--tmpfs', '/run', '--shm-size', '32m', '--device', '/dev/loop-control:/dev/lc'],
        [
          'touch /probe 2>/dev/null && echo root-writable || echo root-read-only',
          'touch /scratch/x && stat -c "scratch %a" /scratch',
          'grep " /scratch " /proc/mounts | grep -o "size=[0-9]*k"',
          'touch /run/x && stat -c "run %a" /run',
          'grep " /dev/shm " /proc/mounts | grep -o "size=[0-9]*k"',
          'stat -c "lc %t:%T %F" /dev/lc',
          'exec 3<>/dev/lc && echo lc-opened',
        ].join('; '),
      );
      expect(r.stdout.split('\n').filter(Boolean)).toEqual(['root-read-only', 'scratch 1770', 'size=1024k', 'run 755', 'size=32768k', 'lc a:ed character special file', 'lc-opened']);
    }),
  );

  it('--cap-drop/--cap-add, no-new-privileges, seccomp: the default profile and unconfined', () =>
    sideBySide(async (rt) => {
      const status = 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\\t" " "';
      const r = await runSh(rt, ['--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN', '--cap-add', 'CHOWN', '--security-opt', 'no-new-privileges'], `${status}; chown 1 /tmp && echo chown-ok; mknod /tmp/n c 1 3 2>/dev/null || echo mknod-refused`);
      // CHOWN (0) and NET_ADMIN (12)
      expect(r.stdout.split('\n').filter(Boolean)).toEqual(['CapEff: 0000000000001001', 'CapBnd: 0000000000001001', 'NoNewPrivs: 1', 'Seccomp: 2', 'chown-ok', 'mknod-refused']);
      // the default profile refuses unshare (no CAP_SYS_ADMIN); unconfined lets it through
      const confined = await runSh(rt, [], `${status}; unshare -U true 2>/dev/null && echo unshare-ok || echo unshare-refused`);
      expect(confined.stdout).toMatch(/NoNewPrivs: 0\nSeccomp: 2\nunshare-refused\n$/);
      const unconfined = await runSh(rt, ['--security-opt', 'seccomp=unconfined'], `${status}; unshare -U true 2>/dev/null && echo unshare-ok || echo unshare-refused`);
      expect(unconfined.stdout).toMatch(/NoNewPrivs: 0\nSeccomp: 0\nunshare-ok\n$/);
    }),
  );

  it('--pid host, --cgroupns private, --sysctl', () =>
    sideBySide(async (rt) => {
      const r = await runSh(
        rt,
        ['--pid', 'host', '--cgroupns', 'private', '--sysctl', 'kernel.msgmax=12345', '--sysctl', 'net.ipv4.ip_forward=1'],
        'test -d /proc/1 && cat /proc/1/comm; test $$ -gt 1 && echo own-pid-not-1; sed -n "s/^[0-9]*:[^:]*://p" /proc/self/cgroup | sort -u; cat /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_forward',
      );
      const hostInit = fs.readFileSync('/proc/1/comm', 'utf8').trim();
      expect(r.stdout.split('\n').filter(Boolean)).toEqual([hostInit, 'own-pid-not-1', '/', '12345', '1']);
      // the host keeps its own values
      expect(fs.readFileSync('/proc/sys/kernel/msgmax', 'utf8').trim()).not.toBe('12345');
    }),
  );

  it('--init: docker-init is pid 1 and reaps; the command\'s status is the container\'s', () =>
    sideBySide(async (rt) => {
      const r = await runSh(rt, ['--init'], 'cat /proc/1/cmdline | tr "\\0" " "; echo; sh -c "sleep 0.1 &"; exit 5', 5);
      expect(r.stdout).toMatch(/^\/sbin\/docker-init -- sh -c /);
    }),
  );

  it('--restart on-failure:2 restarts twice, then leaves the container exited with its status', () =>
    sideBySide(async (rt) => {
      const c = `restart-${rt.name}`;
      await docker(['run', '-d', '--name', c, '--network', 'none', '--runtime', rt.name, '--restart', 'on-failure:2', IMAGE, 'sh', '-c', 'echo run; exit 3']);
      try {
        const settled = await untilAsync(async () => await inspect(c, '{{.State.Status}} {{.RestartCount}}') === 'exited 2', 60_000);
        expect(settled, await inspect(c, '{{.State.Status}} {{.RestartCount}}')).toBe(true);
        expect(await inspect(c, '{{.State.ExitCode}}')).toBe('3');
        expect((await docker(['logs', c])).stdout).toBe('run\nrun\nrun\n');
      } finally {
        await dockerd!.docker(['rm', '--force', c]);
      }
    }),
  );

  it('healthcheck (exec): unhealthy until the file exists, then healthy', () =>
    sideBySide(async (rt) => {
      const c = `health-${rt.name}`;
      await docker([
        'run', '-d', '--name', c, '--network', 'none', '--runtime', rt.name,
        '--health-cmd', 'test -e /tmp/ready', '--health-interval', '1s', '--health-retries', '1',
        IMAGE, 'sleep', '1000',
      ]);
      try {
        expect(await untilAsync(async () => await inspect(c, '{{.State.Health.Status}}') === 'unhealthy', 60_000), await inspect(c, '{{json .State.Health}}')).toBe(true);
        const failing = JSON.parse(await inspect(c, '{{json .State.Health.Log}}')) as { ExitCode: number }[];
        expect(failing.at(-1)?.ExitCode).toBe(1);
        await docker(['exec', c, 'touch', '/tmp/ready']);
        expect(await untilAsync(async () => await inspect(c, '{{.State.Health.Status}}') === 'healthy', 60_000), await inspect(c, '{{json .State.Health}}')).toBe(true);
        const passing = JSON.parse(await inspect(c, '{{json .State.Health.Log}}')) as { ExitCode: number }[];
        expect(passing.at(-1)?.ExitCode).toBe(0);
      } finally {
        await dockerd!.docker(['rm', '--force', c]);
      }
    }),
  );

  itNeeds(host.cgroupV1)('an OOM kill is reported as such (OOMKilled, 137)', () =>
    sideBySide(async (rt) => {
      const c = `oom-${rt.name}`;
      await docker(['run', '-d', '--name', c, '--network', 'none', '--runtime', rt.name, '--memory', '16m', '--memory-swap', '16m', IMAGE, 'sh', '-c', 'x=a; while :; do x=$x$x; done']);
      try {
        expect(await untilAsync(async () => await inspect(c, '{{.State.Status}}') === 'exited', 60_000)).toBe(true);
        expect(await inspect(c, '{{.State.OOMKilled}} {{.State.ExitCode}}')).toBe('true 137');
      } finally {
        await dockerd!.docker(['rm', '--force', c]);
      }
    }),
  );
  describe('docker build (the classic builder): RUN steps go through the daemon\'s default runtime', () => {
    // A second daemon whose daemon.json registers ocirt and makes it the default, as
    // /etc/docker/daemon.json would; the file's daemon (default runc) is the control.
    let ocirtDefault: PrivateDockerd | undefined;
    const daemonFor = (rt: Runtime) => (rt.name === 'runc' ? dockerd! : ocirtDefault!);
    // BuildKit runs its RUN steps with the runc on PATH whatever the daemon's default
    const classic = { DOCKER_BUILDKIT: '0' };

    beforeAll(async () => {
      if (!RUNTIMES.some((r) => r.name === 'ocirt')) return;
      const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-e2e-docker-build-'));
      ocirtDefault = await PrivateDockerd.start(buildDir, RUNTIMES, { registration: 'config', defaultRuntime: 'ocirt' });
      await ocirtDefault.importBusybox(IMAGE);
    }, 180_000);

    afterAll(async () => {
      await ocirtDefault?.stop();
    }, 120_000);

    it('a RUN that writes files: built, and the image holds them; every RUN container ran with the default runtime', () =>
      sideBySide(async (rt) => {
        const daemon = daemonFor(rt);
        expect(await docker(['info', '--format', '{{.DefaultRuntime}}'], 0, { daemon })).toMatchObject({ stdout: `${rt.name}\n` });
        const ctx = fs.mkdtempSync(path.join(daemon.dir, 'ctx-'));
        fs.writeFileSync(path.join(ctx, 'Dockerfile'), [
          `FROM ${IMAGE}`,
          'RUN echo built-by-run > /built && id -u >> /built && mkdir -p /data && hostname > /data/host-seen',
          'RUN test "$(head -1 /built)" = built-by-run && ln -s /built /data/link',
          '',
        ].join('\n'));
        const tag = `ocirt-e2e-built-${rt.name}`;
        const before = new Set((await docker(['ps', '--all', '--quiet', '--no-trunc'], 0, { daemon })).stdout.split('\n').filter(Boolean));
        const built = await docker(['build', '--rm=false', '--no-cache', '--network', 'none', '--tag', tag, ctx], 0, { daemon, env: classic, timeoutMs: 300_000 });
        expect(built.stdout).toContain(`Successfully tagged ${tag}:latest`);
        const steps = (await docker(['ps', '--all', '--quiet', '--no-trunc'], 0, { daemon })).stdout.split('\n').filter((id) => id && !before.has(id));
        expect(steps).toHaveLength(2);
        for (const id of steps) expect(await inspect(id, '{{.HostConfig.Runtime}} {{.State.ExitCode}}', daemon)).toBe(`${rt.name} 0`);
        const content = await docker(['run', '--rm', '--network', 'none', tag, 'cat', '/built'], 0, { daemon });
        expect(content.stdout).toBe('built-by-run\n0\n');
        const more = await docker(['run', '--rm', '--network', 'none', tag, 'sh', '-c', 'readlink /data/link; test -s /data/host-seen && echo host-seen'], 0, { daemon });
        expect(more.stdout).toBe('/built\nhost-seen\n');
        await docker(['rm', ...steps], 0, { daemon });
        await docker(['rmi', tag], 0, { daemon });
      }),
    );

    it('a failing RUN fails the build with its status', () =>
      sideBySide(async (rt) => {
        const daemon = daemonFor(rt);
        const ctx = fs.mkdtempSync(path.join(daemon.dir, 'ctx-'));
        fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${IMAGE}\nRUN echo about-to-fail && exit 7\nRUN echo never-here\n`);
        const r = await docker(['build', '--no-cache', '--network', 'none', '--tag', `ocirt-e2e-fails-${rt.name}`, ctx], 7, { daemon, env: classic, timeoutMs: 300_000 });
        expect(r.stdout).toContain('about-to-fail');
        expect(r.stdout).not.toContain('never-here');
        expect(r.stderr).toContain('returned a non-zero code: 7');
        expect((await docker(['images', '--quiet', `ocirt-e2e-fails-${rt.name}`], 0, { daemon })).stdout).toBe('');
      }),
    );
  });
});
