// Rootless podman 4.3 + conmon with ocirt as the OCI runtime, run by an ordinary user
// (made for this file, with /etc/subuid and /etc/subgid ranges) on a busybox image
// loaded from an OCI archive into that user's home. Every scenario runs with runc too:
// a failure that is not runc's is ocirt's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaries, lacking } from '../helpers/host-capabilities';
import { RootlessUser, rootlessUnavailable, type AsUserResult } from '../helpers/rootless-user';
import { userReachableOcirt } from '../helpers/user-runtime';
import { runtimesUnderTest, until, which } from './engines';
import { buildOciArchive } from './oci-image';

const IMAGE = 'docker.io/library/ocirt-e2e-busybox:latest';

function why(): string | undefined {
  return lacking(binaries('podman', 'conmon', 'newuidmap', 'newgidmap'), rootlessUnavailable);
}
const skip = why();

describe.skipIf(skip !== undefined)(`rootless podman + conmon${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let user: RootlessUser;
  let podmanPath = '';

  function podman(runtime: string, args: string[]): AsUserResult {
    return user.run(podmanPath, ['--storage-driver', 'vfs', '--runtime', runtime, ...args], { timeoutMs: 120_000 });
  }

  function inspect(runtime: string, name: string, format: string): string {
    return podman(runtime, ['inspect', '--format', format, name]).stdout.trim();
  }

  beforeAll(() => {
    user = RootlessUser.create();
    podmanPath = which('podman')!;
    const runtimes = runtimesUnderTest().map((r) => (r.name === 'ocirt' ? { ...r, path: userReachableOcirt() } : r));
    // The user's own containers.conf. Without systemd: cgroupfs (podman on a cgroup v1
    // host then runs rootless containers without cgroups) and a file for events. The
    // ulimits stay within the user's hard limits, which no rootless runtime may raise.
    const confDir = path.join(user.home, '.config', 'containers');
    fs.mkdirSync(confDir, { recursive: true });
    fs.writeFileSync(
      path.join(confDir, 'containers.conf'),
      [
        '[containers]',
        'default_ulimits = ["nofile=1024:1024"]',
        '[engine]',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `runtime_supports_json = [${runtimes.map((r) => `"${r.name}"`).join(', ')}]`,
        '[engine.runtimes]',
        ...runtimes.map((r) => `${r.name} = ["${r.path}"]`),
        '',
      ].join('\n'),
    );
    const archiveDir = user.dir('ocirt-rl-image-');
    const archive = buildOciArchive(archiveDir, IMAGE);
    fs.chmodSync(archive.file, 0o644);
    for (const d of [path.join(user.home, '.config'), confDir]) fs.chownSync(d, user.uid, user.gid);
    fs.chownSync(path.join(confDir, 'containers.conf'), user.uid, user.gid);
    const loaded = user.run(podmanPath, ['--storage-driver', 'vfs', 'load', '-i', archive.file], { timeoutMs: 120_000 });
    expect(loaded.status, loaded.stderr).toBe(0);
  });

  afterAll(() => {
    if (!user) return;
    for (const r of runtimesUnderTest()) podman(r.name, ['rm', '--all', '--force', '--time', '0']);
    user.run(podmanPath, ['--storage-driver', 'vfs', 'rmi', '--all', '--force']);
    user.remove();
  });

  it('podman runs rootless, with storage in the user\'s home', () => {
    const info = user.run(podmanPath, ['--storage-driver', 'vfs', 'info', '--format', '{{.Host.Security.Rootless}} {{.Store.GraphRoot}}']);
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout.trim()).toBe(`true ${path.join(user.home, '.local/share/containers/storage')}`);
  });

  describe.each(runtimesUnderTest())('runtime $name', ({ name }) => {
    const c = `rl-${name}-${process.pid}`;

    it('run --rm: output, exit status, the user namespace podman set up', () => {
      const r = podman(name, ['run', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'echo hello from $(id -u); cat /proc/self/uid_map; echo to-stderr >&2; exit 3']);
      expect(r.status, r.stderr).toBe(3);
      const out = r.stdout.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/).join(' '));
      expect(out[0]).toBe('hello from 0');
      expect(out[1]).toBe(`0 ${user.uid} 1`);
      expect(out[2]).toBe(`1 ${user.subuid.start} ${user.subuid.count}`);
      expect(r.stderr).toContain('to-stderr');
      // the runtime adds no noise of its own (podman decided about cgroups already)
      expect(r.stderr).not.toMatch(/^ocirt: /m);
      const missingCmd = podman(name, ['run', '--rm', '--network', 'none', IMAGE, 'nosuch-command']);
      expect(missingCmd.status, missingCmd.stderr).toBe(127);
    });

    it('run -d, exec, stop (TERM, then KILL), rm', async () => {
      const started = podman(name, ['run', '-d', '--name', c, '--network', 'none', IMAGE, 'sleep', '1000']);
      expect(started.status, started.stderr).toBe(0);
      expect(inspect(name, c, '{{.State.Status}}')).toBe('running');
      const pid = Number(inspect(name, c, '{{.State.Pid}}'));
      // on the host the container's process is the user's
      expect(fs.statSync(`/proc/${pid}`).uid).toBe(user.uid);

      const e = podman(name, ['exec', c, 'sh', '-c', 'echo exec-$((40+2)); id -u; cat /proc/1/cmdline | tr "\\0" " "; echo']);
      expect(e.status, e.stderr).toBe(0);
      expect(e.stdout).toBe('exec-42\n0\nsleep 1000 \n');
      expect(podman(name, ['exec', c, 'sh', '-c', 'exit 9']).status).toBe(9);
      const asUser = podman(name, ['exec', '--user', '1000:1000', c, 'id', '-u']);
      expect(asUser.status, asUser.stderr).toBe(0);
      expect(asUser.stdout).toBe('1000\n');

      // sleep as pid 1 ignores TERM: podman comes back with KILL
      const stopped = podman(name, ['stop', '--time', '1', c]);
      expect(stopped.status, stopped.stderr).toBe(0);
      expect(await until(() => inspect(name, c, '{{.State.Status}}') === 'exited')).toBe(true);
      expect(inspect(name, c, '{{.State.ExitCode}}')).toBe('137');
      expect(podman(name, ['rm', c]).status).toBe(0);
      expect(podman(name, ['ps', '--all', '--format', '{{.Names}}']).stdout).not.toContain(c);
    });

    it('a process that handles TERM stops with its own status', () => {
      const t = `${c}-term`;
      const started = podman(name, ['run', '-d', '--name', t, '--network', 'none', IMAGE, 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']);
      expect(started.status, started.stderr).toBe(0);
      expect(podman(name, ['stop', '--time', '20', t]).status).toBe(0);
      expect(inspect(name, t, '{{.State.ExitCode}}')).toBe('0');
      expect(podman(name, ['rm', t]).status).toBe(0);
    });
  });
});
