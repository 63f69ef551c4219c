/**
 * A containerd of the tests' own: private root, state dir and sockets under a temporary
 * directory, started here and stopped by its pid, so no other containerd on the host is
 * touched. Without `cri` the CRI plugin is disabled (what `ctr run` needs); with it, the
 * given CRI plugin section is appended to the config.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run, until, which, type Result } from './engines';

export interface PrivateContainerd {
  dir: string;
  root: string;
  state: string;
  address: string;
  log: string;
  /** ctr against this daemon, in the given namespace. */
  ctr(namespace: string, args: string[], timeoutMs?: number): Result;
  /** SIGTERM (SIGKILL after 10 s), then unmounts what is left under dir and removes it. */
  stop(): Promise<void>;
}

// Snapshotters this host may lack: their plugins would only log errors.
const UNUSED = ['io.containerd.snapshotter.v1.btrfs', 'io.containerd.snapshotter.v1.zfs', 'io.containerd.snapshotter.v1.devmapper', 'io.containerd.snapshotter.v1.aufs'];

export async function startContainerd(prefix: string, opts: { cri?: (dir: string) => string; timeoutMs?: number } = {}): Promise<PrivateContainerd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const root = path.join(dir, 'root');
  const state = path.join(dir, 'state');
  const address = path.join(dir, 'containerd.sock');
  const disabled = opts.cri ? UNUSED : ['io.containerd.grpc.v1.cri', ...UNUSED];
  const config = [
    'version = 2',
    `root = "${root}"`,
    `state = "${state}"`,
    `disabled_plugins = ${JSON.stringify(disabled)}`,
    '[grpc]',
    `  address = "${address}"`,
    '[ttrpc]',
    `  address = "${address}.ttrpc"`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    opts.cri ? opts.cri(dir) : '',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'config.toml'), config);
  const log = path.join(dir, 'containerd.log');
  const fd = fs.openSync(log, 'w');
  const daemon: ChildProcess = spawn(which('containerd')!, ['--config', path.join(dir, 'config.toml')], {
    stdio: ['ignore', fd, fd],
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  fs.closeSync(fd);
  const ctr = (namespace: string, args: string[], timeoutMs = opts.timeoutMs ?? 60_000) =>
    run(which('ctr')!, ['--address', address, '--namespace', namespace, ...args], { timeoutMs });
  const stop = async () => {
    if (daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((resolve) => daemon.on('exit', resolve));
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    }
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
    for (const m of mounts.reverse()) run('umount', ['-l', m]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const up = await until(() => daemon.exitCode === null && fs.existsSync(address) && ctr('default', ['version'], 5_000).status === 0, opts.timeoutMs ?? 30_000);
  if (!up) {
    const text = fs.readFileSync(log, 'utf8');
    await stop();
    throw new Error(`containerd did not come up:\n${text}`);
  }
  return { dir, root, state, address, log, ctr, stop };
}
