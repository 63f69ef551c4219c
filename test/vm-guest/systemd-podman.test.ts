// podman with systemd as its cgroup manager and ocirt as the runtime, in the test VM
// booted with systemd as PID 1 (test/vm/systemd-guest.test.ts runs it there). podman
// then passes --systemd-cgroup and cgroupsPath machine.slice:libpod:<id>. runc runs the
// same scenarios as the control.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, run, runtimesUnderTest, until, which, type Result } from '../e2e/engines';
import { setUpPrivatePodman } from '../e2e/private-podman';

const IMAGE = 'docker.io/library/ocirt-vm-busybox:latest';
const booted = fs.existsSync('/run/systemd/system');
const skip = !booted ? 'systemd is not PID 1: run it with node test/vm/run-in-vm.mjs --systemd' : missing(['podman', 'conmon']);

let dir = '';
let env: NodeJS.ProcessEnv = {};
let globals: string[] = [];

function podman(runtime: string, args: string[]): Result {
  return run(which('podman')!, [...globals, '--runtime', runtime, ...args], { env, timeoutMs: 300_000 });
}

function systemctlShow(unit: string, props: string[]): Record<string, string> {
  const r = spawnSync('systemctl', ['show', unit, ...props.flatMap((p) => ['-p', p])], { encoding: 'utf8' });
  return Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const MiB = 1024 * 1024;

describe.skipIf(skip !== undefined)(`podman --cgroup-manager systemd${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-vm-podman-'));
    ({ env, globals } = setUpPrivatePodman(dir, IMAGE, 'systemd', 300_000));
  });

  afterAll(() => {
    if (!dir) return;
    for (const r of runtimesUnderTest()) podman(r.name, ['rm', '--all', '--force', '--time', '0']);
    run(which('podman')!, [...globals, 'rmi', '--all', '--force'], { env });
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
    for (const m of mounts.reverse()) run('umount', ['-l', m]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe.each(runtimesUnderTest())('runtime $name', ({ name }) => {
    const c = `vm-${name}-${process.pid}`;

    it('run --rm with --memory and --pids-limit: the limits are visible inside', () => {
      const r = podman(name, ['run', '--rm', '--network', 'none', '--memory', '64m', '--pids-limit', '50', IMAGE, 'sh', '-c', 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; exit 3']);
      expect(r.stdout).toBe(`${64 * MiB}\n50\n`);
      expect(r.status, r.stderr).toBe(3);
    });

    it('run -d: the container is a libpod scope in machine.slice with the limits; exec joins it; stop; rm removes it', async () => {
      const started = podman(name, ['run', '-d', '--name', c, '--network', 'none', '--memory', '32m', '--pids-limit', '20', IMAGE, 'sleep', '1000']);
      expect(started.status, started.stderr).toBe(0);
      const id = started.stdout.trim();
      const unit = `libpod-${id}.scope`;
      expect(systemctlShow(unit, ['ActiveState', 'Slice', 'MemoryMax', 'TasksMax'])).toEqual({ ActiveState: 'active', Slice: 'machine.slice', MemoryMax: String(32 * MiB), TasksMax: '20' });
      const pid = Number(podman(name, ['inspect', '--format', '{{.State.Pid}}', c]).stdout.trim());
      expect(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toBe(`0::/machine.slice/${unit}\n`);

      const e = podman(name, ['exec', c, 'sh', '-c', 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; sleep 300 & echo $!']);
      expect(e.status, e.stderr).toBe(0);
      const [mem, pids] = e.stdout.split('\n');
      expect([mem, pids]).toEqual([String(32 * MiB), '20']);
      const procs = fs.readFileSync(`/sys/fs/cgroup/machine.slice/${unit}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
      expect(procs.length).toBeGreaterThanOrEqual(2); // the init and the exec'd sleep
      expect(procs).toContain(pid);

      const stop = podman(name, ['stop', '--time', '1', c]);
      expect(stop.status, stop.stderr).toBe(0);
      expect(await until(() => podman(name, ['inspect', '--format', '{{.State.Status}}', c]).stdout.trim() === 'exited')).toBe(true);
      expect(podman(name, ['rm', c]).status).toBe(0);
      expect(systemctlShow(unit, ['LoadState']).LoadState).toBe('not-found');
      expect(fs.existsSync(`/sys/fs/cgroup/machine.slice/${unit}`)).toBe(false);
    });
  });
});
