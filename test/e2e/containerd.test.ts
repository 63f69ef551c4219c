// containerd 1.6 (runc.v2 shim) with ocirt as the runtime binary (`ctr run --runc-binary`):
// a containerd of its own on a private socket, root and state dir, started and stopped
// here; the image is an OCI archive made on the spot and imported with ctr. Every
// scenario runs with runc too, so a failure that is not runc's is ocirt's.
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, runtimesUnderTest, until, type Result } from './engines';
import { buildOciArchive } from './oci-image';
import { startContainerd, type PrivateContainerd } from './private-containerd';
import { host } from '../helpers/host-capabilities';

const skip = missing(['containerd', 'ctr', 'containerd-shim-runc-v2']) ?? host.overlayfs();
const IMAGE = 'docker.io/library/ocirt-e2e-busybox:latest';
const NAMESPACE = `ocirt-e2e-${process.pid}`;

let containerd: PrivateContainerd | undefined;

function ctr(args: string[], timeoutMs = 60_000): Result {
  return containerd!.ctr(NAMESPACE, args, timeoutMs);
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
    // only what ctr run needs: no CRI
    containerd = await startContainerd('ocirt-e2e-containerd-');
    const archive = buildOciArchive(containerd.dir, IMAGE);
    const imported = ctr(['images', 'import', archive.file]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(ctr(['images', 'ls', '-q']).stdout).toContain(IMAGE);
  });

  afterAll(async () => {
    if (!containerd) return;
    for (const line of ctr(['task', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['task', 'kill', '-s', 'SIGKILL', line]);
    for (const line of ctr(['task', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['task', 'delete', '--force', line]);
    for (const line of ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['containers', 'rm', line]);
    await containerd.stop();
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
