// A dockerd (Debian's docker.io 20.10) with everything private to one temp dir: its own
// containerd (private sockets, root and state: never the host's /run/containerd, which
// dockerd would otherwise pick up when it exists), --data-root, --exec-root, --pidfile,
// socket, daemon.json (so /etc/docker is neither read nor written: dockerd 20.10 writes
// its trust key beside the config file unless told where) and cgroup parent; no
// networking set-up on the host (no iptables, no bridge, no forwarding). Stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { makeBusyboxRootfs } from '../helpers/busybox-rootfs';
import { cgroupMounts } from '../helpers/host-capabilities';
import { run, until, which, type Result, type Runtime } from './engines';
import { startContainerd, type PrivateContainerd } from './private-containerd';
import { runAsync, untilAsync } from './run-async';

/**
 * Debian's docker CLI (docker.io, as dockerd): a machine may have another `docker`
 * earlier on PATH (/usr/local/bin), a newer client the 20.10 daemon did not ship with.
 */
export function dockerCli(): string | undefined {
  const debian = '/usr/bin/docker';
  return fs.existsSync(debian) ? debian : which('docker');
}

/** Where dockerd looks for plugin sockets, whatever its --exec-root: made at start-up. */
const PLUGIN_DIR = '/run/docker/plugins';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface DockerdOptions {
  /**
   * How the runtimes are registered: `flags` with `--add-runtime NAME=PATH`, `config` in
   * daemon.json's "runtimes" (what /etc/docker/daemon.json would hold).
   */
  registration: 'flags' | 'config';
  /** daemon.json's "default-runtime" (dockerd's own default is runc). */
  defaultRuntime?: string;
}

export class PrivateDockerd {
  readonly socket: string;
  readonly cgroupParent: string;
  private containerd?: PrivateContainerd;
  private dockerd?: ChildProcess;
  private madePluginDir = false;

  private constructor(readonly dir: string) {
    this.socket = path.join(dir, 'docker.sock');
    this.cgroupParent = path.basename(dir);
  }

  /** Starts containerd then dockerd under dir, and waits until `docker info` answers. */
  static async start(dir: string, runtimes: Runtime[], opts: DockerdOptions): Promise<PrivateDockerd> {
    const d = new PrivateDockerd(dir);
    d.madePluginDir = !fs.existsSync(PLUGIN_DIR);
    d.containerd = await startContainerd('ocirt-dockerd-containerd-');
    await d.startDockerd(runtimes, opts);
    return d;
  }

  /** `docker -H unix://SOCKET ARGS...`, bounded. */
  docker(args: string[], opts: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
    return runAsync(dockerCli()!, ['-H', `unix://${this.socket}`, ...args], { timeoutMs: opts.timeoutMs ?? 120_000, input: opts.input, env: { PATH: SYSTEM_PATH, HOME: this.dir, ...opts.env } });
  }

  /** The docker command line, for commands a test runs through another program (script). */
  dockerCommand(): string {
    return `${dockerCli()} -H unix://${this.socket}`;
  }

  /**
   * The error lines runtimes wrote to the log.json of every task containerd's shim has now
   * (`--log <task dir>/log.json --log-format json`): the runtime's own words for a failure.
   */
  runtimeErrors(): string[] {
    const out: string[] = [];
    if (!this.containerd) return out;
    const tasks = path.join(this.containerd.state, 'io.containerd.runtime.v2.task', 'moby');
    let ids: string[] = [];
    try {
      ids = fs.readdirSync(tasks);
    } catch {
      return out;
    }
    for (const id of ids) {
      let text = '';
      try {
        text = fs.readFileSync(path.join(tasks, id, 'log.json'), 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        try {
          const entry = JSON.parse(line) as { level?: string; msg?: string };
          if (entry.level === 'error' || entry.level === 'fatal') out.push(`${id.slice(0, 12)}: ${entry.msg}`);
        } catch {
          // not a JSON line
        }
      }
    }
    return out;
  }

  /** `docker import` of a busybox rootfs tarball as NAME (PATH=/bin, CMD sh). */
  async importBusybox(name: string): Promise<void> {
    const rootfs = path.join(this.dir, 'busybox-rootfs');
    const tarball = path.join(this.dir, 'busybox.tar');
    fs.mkdirSync(rootfs);
    makeBusyboxRootfs(rootfs);
    fs.chmodSync(rootfs, 0o755);
    const tar = run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tarball, '.']);
    expect(tar.status, tar.stderr).toBe(0);
    const imported = await this.docker(['import', '--change', 'ENV PATH=/bin', '--change', 'CMD ["sh"]', tarball, name]);
    expect(imported.status, `docker import: ${imported.stderr}`).toBe(0);
    fs.rmSync(rootfs, { recursive: true, force: true });
    fs.rmSync(tarball);
  }

  /**
   * Removes every container, stops dockerd by its pid (KILL after a grace time), kills
   * any shim of its containerd still there, stops that containerd, unmounts what is left
   * under dir, removes the cgroup parent and dir.
   */
  async stop(): Promise<void> {
    if (this.dockerd && this.dockerd.exitCode === null) {
      const all = (await this.docker(['ps', '--all', '--quiet'], { timeoutMs: 30_000 })).stdout.split('\n').filter(Boolean);
      if (all.length > 0) await this.docker(['rm', '--force', ...all], { timeoutMs: 60_000 });
    }
    await stopChild(this.dockerd, 20_000);
    for (const pid of this.shimPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await this.containerd?.stop();
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(this.dir + '/'));
    for (const m of mounts.reverse()) run('umount', ['-l', m]);
    for (const mount of new Set(cgroupMounts().values())) {
      const parent = path.join(mount, this.cgroupParent);
      await until(() => removeCgroupTree(parent), 5_000);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (this.madePluginDir) {
      for (const d of [PLUGIN_DIR, path.dirname(PLUGIN_DIR)]) {
        try {
          fs.rmdirSync(d);
        } catch {
          // not empty: another dockerd uses it
        }
      }
    }
  }

  private async startDockerd(runtimes: Runtime[], opts: DockerdOptions): Promise<void> {
    const config: Record<string, unknown> = { 'deprecated-key-path': path.join(this.dir, 'key.json') };
    if (opts.registration === 'config') config.runtimes = Object.fromEntries(runtimes.filter((r) => r.name !== 'runc').map((r) => [r.name, { path: r.path }]));
    if (opts.defaultRuntime) config['default-runtime'] = opts.defaultRuntime;
    fs.writeFileSync(path.join(this.dir, 'daemon.json'), JSON.stringify(config, null, 2));
    const args = [
      '--config-file', path.join(this.dir, 'daemon.json'),
      '--data-root', path.join(this.dir, 'data'),
      '--exec-root', path.join(this.dir, 'exec'),
      '--pidfile', path.join(this.dir, 'docker.pid'),
      '-H', `unix://${this.socket}`,
      '--containerd', this.containerd!.address,
      '--cgroup-parent', this.cgroupParent,
      '--iptables=false', '--bridge=none', '--ip-forward=false', '--ip-masq=false',
      // runc is dockerd's built-in runtime: registering it again is refused
      ...(opts.registration === 'flags' ? runtimes.filter((r) => r.name !== 'runc').map((r) => `--add-runtime=${r.name}=${r.path}`) : []),
    ];
    this.dockerd = spawnLogged(which('dockerd')!, args, path.join(this.dir, 'dockerd.log'));
    const up = await untilAsync(async () => this.dockerd!.exitCode === null && fs.existsSync(this.socket) && (await this.docker(['version'], { timeoutMs: 10_000 })).status === 0, 60_000);
    expect(up, `dockerd did not start: ${this.log('dockerd.log').slice(-3000)}`).toBe(true);
  }

  private log(name: string): string {
    try {
      return fs.readFileSync(path.join(this.dir, name), 'utf8');
    } catch {
      return '';
    }
  }

  /** Pids of containerd-shim-runc-v2 processes started for this containerd (its address in their argv). */
  private shimPids(): number[] {
    const pids: number[] = [];
    if (!this.containerd) return pids;
    const address = this.containerd.address;
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        if (argv[0]?.endsWith('containerd-shim-runc-v2') && argv.includes(address)) pids.push(Number(entry));
      } catch {
        // exited meanwhile
      }
    }
    return pids;
  }
}

function spawnLogged(cmd: string, args: string[], logFile: string): ChildProcess {
  const log = fs.openSync(logFile, 'w');
  const child = spawn(cmd, args, { stdio: ['ignore', log, log], env: { PATH: SYSTEM_PATH } });
  fs.closeSync(log);
  return child;
}

async function stopChild(child: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** rmdir of a cgroup directory and its children, deepest first; true when it is gone. */
function removeCgroupTree(dir: string): boolean {
  if (!fs.existsSync(dir)) return true;
  try {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(path.join(dir, e.name));
    fs.rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}
