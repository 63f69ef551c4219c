// Image builds whose RUN steps go through ocirt: buildah 1.28 (`buildah --runtime PATH bud`,
// isolation oci) and podman 4.3 (`podman build --runtime NAME`), on one private storage
// (test/e2e/private-podman.ts: vfs, root and run root in a temp dir, busybox loaded from
// an OCI archive made on the spot). Every build runs with ocirt and with runc in the same
// test; the built image's content is read back. Builds never use a private network: that
// would set up a CNI bridge and firewall rules on the host.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { binaries, describeNeeds, host } from '../helpers/host-capabilities';
import { runtimesUnderTest, which, type Result, type Runtime } from './engines';
import { setUpPrivatePodman } from './private-podman';
import { runAsync } from './run-async';
import { sideBySide as eachRuntime } from './side-by-side';

const IMAGE = 'docker.io/library/ocirt-e2e-busybox:latest';
const RUNTIMES = runtimesUnderTest();
const sideBySide = (scenario: (rt: Runtime) => Promise<void>) => eachRuntime(RUNTIMES, scenario);
const describeBuilds = describeNeeds(host.root, binaries('buildah', 'podman', 'conmon', 'runc'));

let dir = '';
let env: NodeJS.ProcessEnv = {};
let podmanGlobals: string[] = [];
let buildahGlobals: string[] = [];

/** A checked call: the error names the command, its status and stderr. */
async function call(cmd: string, args: string[], status = 0): Promise<Result> {
  const r = await runAsync(which(cmd)!, args, { env, timeoutMs: 300_000 });
  if (r.status !== status) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}, expected ${status}\nstderr: ${r.stderr.trim() || '(empty)'}\nstdout: ${r.stdout.trim().slice(-2000)}`);
  }
  return r;
}

const buildah = (args: string[], status = 0) => call('buildah', [...buildahGlobals, ...args], status);
const podman = (args: string[], status = 0) => call('podman', [...podmanGlobals, ...args], status);

/** A build context holding only a Containerfile with these lines. */
function context(lines: string[]): string {
  const ctx = fs.mkdtempSync(path.join(dir, 'ctx-'));
  fs.writeFileSync(path.join(ctx, 'Containerfile'), [`FROM ${IMAGE}`, ...lines, ''].join('\n'));
  return ctx;
}

/**
 * Global flags buildah hands the runtime: a debug log of its own per build, which shows
 * the runtime at that path was the one called (both runtimes name runc's setup stages).
 */
function runtimeLog(rt: Runtime): { flags: string[]; check: () => void } {
  const log = path.join(dir, `runtime-${rt.name}-${Date.now()}.log`);
  return {
    flags: ['--runtime-flag', `log=${log}`, '--runtime-flag', 'debug'],
    check: () => {
      const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
      expect(text, `${rt.name}'s --log ${log}`).toContain('nsexec container setup');
    },
  };
}

/** Files of an image, read from a buildah working container's mount (nothing is run). */
async function readFromImage(image: string, files: string[]): Promise<string[]> {
  const ctr = (await buildah(['from', '--pull-never', image])).stdout.trim().split('\n').pop()!;
  try {
    const mnt = (await buildah(['mount', ctr])).stdout.trim();
    return files.map((f) => {
      const p = path.join(mnt, f);
      return fs.lstatSync(p).isSymbolicLink() ? `-> ${fs.readlinkSync(p)}` : fs.readFileSync(p, 'utf8');
    });
  } finally {
    await buildah(['umount', ctr]);
    await buildah(['rm', ctr]);
  }
}

describeBuilds('image builds (buildah bud, podman build)', () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-e2e-build-'));
    const pp = setUpPrivatePodman(dir, IMAGE, 'cgroupfs');
    env = pp.env;
    podmanGlobals = pp.globals;
    // the same storage: buildah sees the image podman loaded
    const value = (flag: string) => pp.globals[pp.globals.indexOf(flag) + 1];
    buildahGlobals = ['--root', value('--root'), '--runroot', value('--runroot'), '--storage-driver', value('--storage-driver')];
  }, 120_000);

  afterAll(async () => {
    if (!dir) return;
    await runAsync(which('buildah')!, [...buildahGlobals, 'rm', '--all'], { env, timeoutMs: 120_000 });
    await runAsync(which('podman')!, [...podmanGlobals, 'rmi', '--all', '--force'], { env, timeoutMs: 120_000 });
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir + '/'));
    for (const m of mounts.reverse()) await runAsync('umount', ['-l', m]);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('buildah bud: RUN steps that write files; the image holds them', () =>
    sideBySide(async (rt) => {
      const tag = `localhost/ocirt-e2e-written-${rt.name}`;
      const ctx = context([
        'RUN echo written-by-run > /built && id -u >> /built && mkdir /data && pwd > /data/cwd',
        'RUN ln -s /built /data/link && test "$(head -1 /built)" = written-by-run',
      ]);
      const log = runtimeLog(rt);
      const r = await buildah(['bud', '--runtime', rt.path, ...log.flags, '--isolation', 'oci', '--network', 'none', '--tag', tag, ctx]);
      expect(r.stdout).toMatch(/STEP 3\/3: RUN ln -s/);
      log.check();
      expect(await readFromImage(tag, ['built', 'data/cwd', 'data/link'])).toEqual(['written-by-run\n0\n', '/\n', '-> /built']);
      await buildah(['rmi', tag]);
    }),
  );

  it('buildah bud: a failing RUN fails the build with its status, and no image is made', () =>
    sideBySide(async (rt) => {
      const tag = `localhost/ocirt-e2e-failed-${rt.name}`;
      const ctx = context(['RUN echo about-to-fail && exit 7', 'RUN echo never-here']);
      const r = await buildah(['bud', '--runtime', rt.path, '--isolation', 'oci', '--network', 'none', '--tag', tag, ctx], 7);
      expect(r.stdout).toContain('about-to-fail');
      expect(r.stdout).not.toContain('never-here');
      expect(r.stderr).toMatch(/building at STEP "RUN echo about-to-fail && exit 7": while running runtime: exit status 7/);
      expect((await buildah(['images', '--quiet', '--filter', `reference=${tag}`])).stdout).toBe('');
      expect((await buildah(['containers', '--quiet'])).stdout).toBe('');
    }),
  );

  it('buildah bud --network none: the RUN sees a loopback only; with --network host, the host\'s interfaces', () =>
    sideBySide(async (rt) => {
      const tag = `localhost/ocirt-e2e-net-${rt.name}`;
      const ctx = context(['RUN ls /sys/class/net > /nets && cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " " > /netdev']);
      await buildah(['bud', '--runtime', rt.path, '--isolation', 'oci', '--network', 'none', '--tag', tag, ctx]);
      expect(await readFromImage(tag, ['nets', 'netdev'])).toEqual(['lo\n', 'lo\n']);
      await buildah(['bud', '--runtime', rt.path, '--isolation', 'oci', '--network', 'host', '--tag', tag, ctx]);
      const hostNets = fs.readdirSync('/sys/class/net').sort();
      const [nets] = await readFromImage(tag, ['nets']);
      expect(nets.split('\n').filter(Boolean).sort()).toEqual(hostNets);
      await buildah(['rmi', tag]);
    }),
  );

  it('podman build --runtime NAME: RUN steps through the runtime; the image holds what they wrote', () =>
    sideBySide(async (rt) => {
      const tag = `localhost/ocirt-e2e-podman-built-${rt.name}`;
      const ctx = context(['RUN echo podman-built > /built && id -u >> /built', 'RUN cp /built /built.copy']);
      const log = runtimeLog(rt);
      await podman(['build', '--runtime', rt.name, ...log.flags, '--network', 'none', '--tag', tag, ctx]);
      log.check();
      const r = await podman(['run', '--rm', '--network', 'none', '--runtime', rt.name, tag, 'sh', '-c', 'cat /built; cmp /built /built.copy && echo same']);
      expect(r.stdout).toBe('podman-built\n0\nsame\n');
      await podman(['rmi', tag]);
    }),
  );
});
