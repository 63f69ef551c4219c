// `--docker`: `docker run --rm busybox true` through a private dockerd (its own data
// root, exec root, socket and containerd; no iptables, no bridge) with ocirt registered
// by --add-runtime, against runc, alternating run by run. The daemon is stopped by its
// pid at the end and everything it made is removed.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OCIRT } from './runtimes.mjs';
import { nowMs, rotate, timeMs, which } from './util.mjs';

const CGROUP_PARENT = 'ocirt-bench-docker';

export function dockerMissing() {
  if (!which('dockerd')) return 'dockerd is not installed (apt-get install docker.io)';
  if (!dockerCli()) return 'the docker CLI is not installed (apt-get install docker.io)';
  return undefined;
}

// docker.io's own client first: a newer one elsewhere in PATH may be ahead of the daemon.
function dockerCli() {
  return fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : which('docker');
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

class PrivateDockerd {
  constructor(dir) {
    this.dir = dir;
    this.sock = path.join(dir, 'docker.sock');
    this.log = path.join(dir, 'dockerd.log');
    this.cli = dockerCli();
  }

  async start() {
    const config = path.join(this.dir, 'daemon.json');
    fs.writeFileSync(config, '{}\n');
    const logFd = fs.openSync(this.log, 'a');
    this.daemon = spawn(which('dockerd'), [
      '--config-file', config,
      '--host', `unix://${this.sock}`,
      '--data-root', path.join(this.dir, 'data'),
      '--exec-root', path.join(this.dir, 'exec'),
      '--pidfile', path.join(this.dir, 'dockerd.pid'),
      '--iptables=false', '--ip-masq=false', '--bridge=none', '--userland-proxy=false',
      '--cgroup-parent', `/${CGROUP_PARENT}`,
      '--add-runtime', `ocirt=${OCIRT}`,
      '--log-level', 'warn',
    ], { stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    this.exited = new Promise((r) => this.daemon.on('exit', r));
    const end = nowMs() + 60_000;
    while (this.docker(['version']).status !== 0) {
      if (this.daemon.exitCode !== null || nowMs() > end) throw new Error(`private dockerd did not come up:\n${fs.readFileSync(this.log, 'utf8').slice(-2000)}`);
      await sleep(200);
    }
  }

  docker(args, opts = {}) {
    const r = spawnSync(this.cli, ['--host', `unix://${this.sock}`, ...args], { encoding: 'utf8', timeout: 120_000, stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'], ...opts });
    return { status: r.status ?? -1, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
  }

  must(args, opts) {
    const r = this.docker(args, opts);
    if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed (status ${r.status}): ${r.output.trim()}`);
    return r;
  }

  async stop() {
    if (this.daemon && this.daemon.exitCode === null) {
      // dockerd's own containerd, to be sure it goes too (dockerd normally stops it).
      const containerdPid = readPidFile(path.join(this.dir, 'exec/containerd/containerd.pid'));
      process.kill(this.daemon.pid, 'SIGTERM');
      const stopped = await Promise.race([this.exited.then(() => true), sleep(30_000).then(() => false)]);
      if (!stopped) {
        process.kill(this.daemon.pid, 'SIGKILL');
        await this.exited;
      }
      if (containerdPid && isAlive(containerdPid)) process.kill(containerdPid, 'SIGTERM');
    }
    unmountUnder(this.dir);
    fs.rmSync(this.dir, { recursive: true, force: true });
    for (const ctrl of fs.readdirSync('/sys/fs/cgroup')) {
      try {
        fs.rmdirSync(path.join('/sys/fs/cgroup', ctrl, CGROUP_PARENT));
      } catch {
        // absent, or not a hierarchy
      }
    }
  }
}

function readPidFile(file) {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Lazily unmounts whatever is still mounted under dir (overlays, netns files), deepest first. */
function unmountUnder(dir) {
  const points = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((p) => p && (p === dir || p.startsWith(`${dir}/`)));
  for (const p of points.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
}

/** { runtime: ms[] } of `docker run --rm busybox true`, plus what the daemon reports. */
export async function benchDocker({ bundles, tmp, iterations }) {
  const dockerd = new PrivateDockerd(fs.mkdtempSync(path.join(tmp, 'docker-')));
  const out = { ocirt: [], runc: [] };
  try {
    await dockerd.start();
    const layer = spawnSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', bundles.rootfs, '-c', '.'], { maxBuffer: 64 << 20 });
    if (layer.status !== 0) throw new Error(`tar of the busybox rootfs failed: ${layer.stderr}`);
    dockerd.must(['import', '--change', 'ENV PATH=/bin', '-', 'busybox:latest'], { input: layer.stdout });
    const runtimes = ['ocirt', 'runc'];
    for (let i = -1; i < iterations; i++) {
      for (const rt of rotate(runtimes, Math.max(i, 0))) {
        const ms = timeMs(() => dockerd.must(['run', '--rm', '--network', 'none', '--runtime', rt, 'busybox', 'true']));
        if (i >= 0) out[rt].push(ms);
      }
    }
    out.server = dockerd.docker(['version', '--format', '{{.Server.Version}}']).output.trim();
  } finally {
    await dockerd.stop();
  }
  return out;
}
