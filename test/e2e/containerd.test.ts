// containerd 1.6 (runc.v2 shim) with ocirt as the runtime binary (`ctr run --runc-binary`):
// a containerd of its own on a private socket, root and state dir, started and stopped
// here; the image is an OCI archive made on the spot and imported with ctr. Every
// scenario runs with runc too, so a failure that is not runc's is ocirt's.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, run, runtimesUnderTest, until, which, type Result } from './engines';
import { buildOciArchive } from './oci-image';
import { host } from '../helpers/host-capabilities';

const skip = missing(['containerd', 'ctr', 'containerd-shim-runc-v2']) ?? host.overlayfs();
const IMAGE = 'docker.io/library/ocirt-e2e-busybox:latest';
const NAMESPACE = `ocirt-e2e-${process.pid}`;

let dir = '';
let address = '';
let daemon: ChildProcess | undefined;

function ctr(args: string[], timeoutMs = 60_000): Result {
  return run(which('ctr')!, ['--address', address, '--namespace', NAMESPACE, ...args], { timeoutMs });
}

/** `ctr task ls` → task id → status (RUNNING, STOPPED, ...). */
function taskStatus(id: string): string | undefined {
  for (const line of ctr(['task', 'ls']).stdout.split('\n').slice(1)) {
    const [task, , status] = line.trim().split(/\s+/);
    if (task === id) return status;
  }
  return undefined;
}

describe.skipIf(skip !== undefined)(`containerd${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-e2e-containerd-'));
    address = path.join(dir, 'containerd.sock');
    const config = [
      'version = 2',
      `root = "${path.join(dir, 'root')}"`,
      `state = "${path.join(dir, 'state')}"`,
      // only what ctr run needs: no CRI, no snapshotters this host may lack
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]',
      '[grpc]',
      `  address = "${address}"`,
      '[ttrpc]',
      `  address = "${address}.ttrpc"`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'config.toml'), config);
    const log = fs.openSync(path.join(dir, 'containerd.log'), 'w');
    daemon = spawn(which('containerd')!, ['--config', path.join(dir, 'config.toml')], {
      stdio: ['ignore', log, log],
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    fs.closeSync(log);
    const up = await until(() => fs.existsSync(address) && ctr(['version'], 5_000).status === 0, 30_000);
    expect(up, fs.readFileSync(path.join(dir, 'containerd.log'), 'utf8')).toBe(true);
    const archive = buildOciArchive(dir, IMAGE);
    const imported = ctr(['images', 'import', archive.file]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(ctr(['images', 'ls', '-q']).stdout).toContain(IMAGE);
  });

  afterAll(async () => {
    if (!dir) return;
    for (const line of ctr(['task', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['task', 'kill', '-s', 'SIGKILL', line]);
    for (const line of ctr(['task', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['task', 'delete', '--force', line]);
    for (const line of ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['containers', 'rm', line]);
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((resolve) => daemon!.on('exit', resolve));
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
    }
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
    for (const m of mounts.reverse()) run('umount', ['-l', m]);
    fs.rmSync(dir, { recursive: true, force: true });
    // The shim's runtime state root for this namespace (a fixed place in containerd 1.6).
    for (const root of [`/run/containerd/runc/${NAMESPACE}`]) {
      try {
        fs.rmdirSync(root);
      } catch {
        // not there, or not empty: leave it
      }
    }
  });

  describe.each(runtimesUnderTest())('runtime $name', ({ name, path: binary }) => {
    const id = (what: string) => `${what}-${name}`;

    it('ctr run: output and exit status', () => {
      const r = ctr(['run', '--rm', '--runc-binary', binary, IMAGE, id('once'), 'sh', '-c', 'echo hello from $(id -u); exit 4']);
      expect(r.stdout).toBe('hello from 0\n');
      expect(r.status, r.stderr).toBe(4);
    });

    it('ctr run -d, task exec, task kill, task delete', async () => {
      const c = id('bg');
      const started = ctr(['run', '-d', '--runc-binary', binary, IMAGE, c, 'sleep', '1000']);
      expect(started.status, started.stderr).toBe(0);
      expect(taskStatus(c)).toBe('RUNNING');
      const e = ctr(['task', 'exec', '--exec-id', 'e1', c, 'sh', '-c', 'echo exec-$((40+2)); cat /proc/1/cmdline | tr "\\0" " "; echo']);
      expect(e.status, e.stderr).toBe(0);
      expect(e.stdout).toBe('exec-42\nsleep 1000 \n');
      expect(ctr(['task', 'exec', '--exec-id', 'e2', c, 'sh', '-c', 'exit 9']).status).toBe(9);
      const ps = ctr(['task', 'ps', c]);
      expect(ps.status, ps.stderr).toBe(0);
      expect(ps.stdout).toMatch(/PID/);
      expect(ctr(['task', 'kill', '--signal', 'SIGKILL', c]).status).toBe(0);
      expect(await until(() => taskStatus(c) === 'STOPPED')).toBe(true);
      const deleted = ctr(['task', 'delete', c]);
      expect(deleted.status, deleted.stderr).toBe(0);
      expect(deleted.stderr).toContain('exit code 137');
      expect(taskStatus(c)).toBeUndefined();
      expect(ctr(['containers', 'rm', c]).status).toBe(0);
    });

    it('a detached task\'s own exit status is what containerd reports', async () => {
      const c = id('exits');
      expect(ctr(['run', '-d', '--runc-binary', binary, IMAGE, c, 'sh', '-c', 'sleep 0.3; exit 13']).status).toBe(0);
      expect(await until(() => taskStatus(c) === 'STOPPED')).toBe(true);
      const deleted = ctr(['task', 'delete', c]);
      expect(deleted.status, deleted.stderr).toBe(0);
      expect(deleted.stderr).toContain('exit code 13');
      expect(ctr(['containers', 'rm', c]).status).toBe(0);
    });
  });
});
