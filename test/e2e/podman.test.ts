// podman 4.3 + conmon with ocirt as the OCI runtime (containers.conf [engine.runtimes]),
// on an image loaded from an OCI archive made on the spot, storage in a temp dir. Every
// scenario runs with runc too, so a failure that is not runc's is ocirt's.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLimitOf, missing, run, runtimesUnderTest, until, which, type Result } from './engines';
import { setUpPrivatePodman } from './private-podman';

const skip = missing(['podman', 'conmon']);
const IMAGE = 'docker.io/library/ocirt-e2e-busybox:latest';

let dir = '';
let env: NodeJS.ProcessEnv = {};
let globals: string[] = [];

function podman(runtime: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Result {
  return run(which('podman')!, [...globals, '--runtime', runtime, ...args], { env, ...opts });
}

function inspect(runtime: string, name: string, format: string): string {
  return podman(runtime, ['inspect', '--format', format, name]).stdout.trim();
}

describe.skipIf(skip !== undefined)(`podman + conmon${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-e2e-podman-'));
    ({ env, globals } = setUpPrivatePodman(dir, IMAGE, 'cgroupfs'));
  });

  afterAll(() => {
    if (!dir) return;
    for (const r of runtimesUnderTest()) podman(r.name, ['rm', '--all', '--force', '--time', '0']);
    run(which('podman')!, [...globals, 'rmi', '--all', '--force'], { env });
    // nothing of the storage may stay mounted before the directory goes
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
    for (const m of mounts.reverse()) run('umount', ['-l', m]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe.each(runtimesUnderTest())('runtime $name', ({ name }) => {
    const c = `e2e-${name}-${process.pid}`;

    it('run --rm: output and exit status', () => {
      const r = podman(name, ['run', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'echo hello from $(id -u); echo to-stderr >&2; exit 3']);
      expect(r.stdout).toBe('hello from 0\n');
      expect(r.stderr).toContain('to-stderr');
      expect(r.status).toBe(3);
      const missingCmd = podman(name, ['run', '--rm', '--network', 'none', IMAGE, 'nosuch-command']);
      expect(missingCmd.status, missingCmd.stderr).toBe(127);
      expect(missingCmd.stderr).toMatch(/executable file not found in \$PATH/);
    });

    it('run -d, then exec (plain, with a status, a missing command, -t)', () => {
      const started = podman(name, ['run', '-d', '--name', c, '--network', 'none', IMAGE, 'sleep', '1000']);
      expect(started.status, started.stderr).toBe(0);
      expect(inspect(name, c, '{{.State.Status}}')).toBe('running');
      const e = podman(name, ['exec', c, 'sh', '-c', 'echo exec-$((40+2)); cat /proc/1/cmdline | tr "\\0" " "; echo']);
      expect(e.status, e.stderr).toBe(0);
      expect(e.stdout).toBe('exec-42\nsleep 1000 \n');
      expect(podman(name, ['exec', c, 'sh', '-c', 'exit 9']).status).toBe(9);
      const gone = podman(name, ['exec', c, 'nosuch-command']);
      expect(gone.status).toBe(127);
      expect(gone.stderr).toMatch(/executable file not found in \$PATH/);
      // podman maps "permission denied" in the runtime's error to 126
      expect(podman(name, ['exec', c, '/etc/passwd']).status).toBe(126);
      const t = podman(name, ['exec', '-t', c, 'sh', '-c', 'tty; echo with-tty']);
      expect(t.status, t.stderr).toBe(0);
      expect(t.stdout).toMatch(/^\/dev\/pts\/\d+\r\nwith-tty\r\n$/);
    });

    it('pause and unpause', () => {
      expect(podman(name, ['pause', c]).status).toBe(0);
      expect(inspect(name, c, '{{.State.Status}}')).toBe('paused');
      expect(podman(name, ['unpause', c]).status).toBe(0);
      expect(inspect(name, c, '{{.State.Status}}')).toBe('running');
      expect(podman(name, ['exec', c, 'true']).status).toBe(0);
    });

    it('update --memory', () => {
      const r = podman(name, ['update', '--memory', '64m', c]);
      expect(r.status, r.stderr).toBe(0);
      const pid = Number(inspect(name, c, '{{.State.Pid}}'));
      expect(memoryLimitOf(pid)).toBe(String(64 * 1024 * 1024));
    });

    it('top', () => {
      const r = podman(name, ['top', c]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/sleep 1000/);
    });

    it('stop: TERM, then KILL after the timeout; rm', async () => {
      // sleep as pid 1 ignores TERM: podman must come back with KILL
      const r = podman(name, ['stop', '--time', '1', c]);
      expect(r.status, r.stderr).toBe(0);
      expect(await until(() => inspect(name, c, '{{.State.Status}}') === 'exited')).toBe(true);
      expect(inspect(name, c, '{{.State.ExitCode}}')).toBe('137');
      // a process that handles TERM stops with its own status
      const t = `${c}-term`;
      expect(podman(name, ['run', '-d', '--name', t, '--network', 'none', IMAGE, 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']).status).toBe(0);
      expect(podman(name, ['stop', '--time', '20', t]).status).toBe(0);
      expect(inspect(name, t, '{{.State.ExitCode}}')).toBe('0');
      for (const n of [c, t]) expect(podman(name, ['rm', n]).status).toBe(0);
      expect(podman(name, ['ps', '--all', '--format', '{{.Names}}']).stdout).not.toContain(c);
    });

    it('run -t', () => {
      const r = podman(name, ['run', '--rm', '-t', '--network', 'none', IMAGE, 'sh', '-c', 'tty; ls -l /dev/console | cut -c1; echo done']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r\nc\r\ndone\r\n$/);
    });
  });
});
