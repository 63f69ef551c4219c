// containerd 1.6 (runc.v2 shim) with SystemdCgroup and ocirt as the runtime binary, in
// the test VM booted with systemd as PID 1 (test/vm/systemd-guest.test.ts runs it there):
// the shim passes --systemd-cgroup and a "slice:prefix:name" cgroupsPath. runc runs the
// same scenario as the control.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, run, runtimesUnderTest, until, which, type Result } from '../e2e/engines';
import { buildOciArchive } from '../e2e/oci-image';

const IMAGE = 'docker.io/library/ocirt-vm-busybox:latest';
const NAMESPACE = 'ocirt-vm';
const booted = fs.existsSync('/run/systemd/system');
const skip = !booted ? 'systemd is not PID 1: run it with node test/vm/run-in-vm.mjs --systemd' : missing(['containerd', 'ctr', 'containerd-shim-runc-v2']);

let dir = '';
let address = '';
let daemon: ChildProcess | undefined;

function ctr(args: string[]): Result {
  return run(which('ctr')!, ['--address', address, '--namespace', NAMESPACE, ...args], { timeoutMs: 300_000 });
}

function taskStatus(id: string): string | undefined {
  for (const line of ctr(['task', 'ls']).stdout.split('\n').slice(1)) {
    const [task, , status] = line.trim().split(/\s+/);
    if (task === id) return status;
  }
  return undefined;
}

function unitState(unit: string): Record<string, string> {
  const r = spawnSync('systemctl', ['show', unit, '-p', 'LoadState', '-p', 'ActiveState', '-p', 'MemoryMax'], { encoding: 'utf8' });
  return Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe.skipIf(skip !== undefined)(`containerd with SystemdCgroup${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-vm-containerd-'));
    address = path.join(dir, 'containerd.sock');
    const config = [
      'version = 2',
      `root = "${path.join(dir, 'root')}"`,
      `state = "${path.join(dir, 'state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]',
      '[grpc]',
      `  address = "${address}"`,
      '[ttrpc]',
      `  address = "${address}.ttrpc"`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'config.toml'), config);
    const log = fs.openSync(path.join(dir, 'containerd.log'), 'w');
    daemon = spawn(which('containerd')!, ['--config', path.join(dir, 'config.toml')], { stdio: ['ignore', log, log], env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } });
    fs.closeSync(log);
    const up = await until(() => fs.existsSync(address) && ctr(['version']).status === 0, 120_000);
    expect(up, fs.readFileSync(path.join(dir, 'containerd.log'), 'utf8')).toBe(true);
    const imported = ctr(['images', 'import', buildOciArchive(dir, IMAGE).file]);
    expect(imported.status, imported.stderr).toBe(0);
  });

  afterAll(async () => {
    if (!dir) return;
    for (const t of ctr(['task', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['task', 'delete', '--force', t]);
    for (const c of ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['containers', 'rm', c]);
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((resolve) => daemon!.on('exit', resolve));
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
    }
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
    for (const m of mounts.reverse()) run('umount', ['-l', m]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe.each(runtimesUnderTest())('runtime $name', ({ name, path: binary }) => {
    it('ctr run -d --runc-systemd-cgroup: a scope in system.slice with the limit; exec joins it; kill and delete remove it', async () => {
      const c = `sd-${name}`;
      const unit = `ctr-${c}.scope`;
      const started = ctr(['run', '-d', '--runc-binary', binary, '--runc-systemd-cgroup', '--cgroup', `system.slice:ctr:${c}`, '--memory-limit', String(48 * 1024 * 1024), IMAGE, c, 'sleep', '1000']);
      expect(started.status, started.stderr).toBe(0);
      expect(taskStatus(c)).toBe('RUNNING');
      expect(unitState(unit)).toEqual({ LoadState: 'loaded', ActiveState: 'active', MemoryMax: String(48 * 1024 * 1024) });
      const scopeDir = `/sys/fs/cgroup/system.slice/${unit}`;
      expect(fs.readFileSync(`${scopeDir}/memory.max`, 'utf8')).toBe(`${48 * 1024 * 1024}\n`);
      // ctr's default spec mounts no cgroupfs inside: the exec'd process is checked from here
      const e = ctr(['task', 'exec', '--exec-id', 'e1', c, 'sh', '-c', 'sleep 600 </dev/null >/dev/null 2>&1 & echo started']);
      expect(e.status, e.stderr).toBe(0);
      const ps = ctr(['task', 'ps', c]);
      expect(ps.status, ps.stderr).toBe(0);
      const pids = ps.stdout.split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).filter((n) => n > 0);
      expect(pids.length).toBeGreaterThanOrEqual(2); // the init and the exec'd sleep
      const inScope = fs.readFileSync(`${scopeDir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
      for (const pid of pids) expect(inScope).toContain(pid);
      expect(ctr(['task', 'kill', '--signal', 'SIGKILL', c]).status).toBe(0);
      expect(await until(() => taskStatus(c) === 'STOPPED')).toBe(true);
      const deleted = ctr(['task', 'delete', c]);
      expect(deleted.status, deleted.stderr).toBe(0);
      expect(ctr(['containers', 'rm', c]).status).toBe(0);
      expect(unitState(unit).LoadState).toBe('not-found');
      expect(fs.existsSync(`/sys/fs/cgroup/system.slice/${unit}`)).toBe(false);
    });
  });
});
