// Side-by-side benchmark: ocirt and runc (and crun where it works) on one bundle, in one
// run. Prints medians and the ocirt/runc ratio. Needs root, runc and busybox-static.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const iterations = Number(process.env.BENCH_ITERATIONS ?? 30);
const OCIRT = path.join(top, 'bin/ocirt');

function which(cmd) {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(dir, cmd);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

function makeBundle() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-bench-'));
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  fs.symlinkSync('busybox', path.join(rootfs, 'bin/true'));
  execFileSync(OCIRT, ['spec', '--bundle', dir], { stdio: 'ignore' });
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  config.process.terminal = false;
  config.process.args = ['/bin/true'];
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return dir;
}

function timeMs(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function check(r, what) {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr}`);
}

function scenarios(runtime, argv0, bundle, env) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `bench-root-`));
  // The container inherits create's stdio: pipes would keep spawnSync waiting until the
  // container exits, so the output goes to files.
  const out = fs.openSync(path.join(root, 'stdout'), 'a');
  const call = (args) => {
    const r = spawnSync(argv0[0], [...argv0.slice(1), '--root', root, ...args], { cwd: bundle, env, stdio: ['ignore', out, out] });
    const stdout = fs.readFileSync(path.join(root, 'stdout'), 'utf8');
    fs.ftruncateSync(out, 0);
    return { status: r.status, stdout, stderr: stdout };
  };
  const run = [];
  const cycle = [];
  for (let i = 0; i < iterations; i++) {
    run.push(timeMs(() => check(call(['run', `r${i}`]), `${runtime} run`)));
    cycle.push(
      timeMs(() => {
        check(call(['create', '--bundle', bundle, `c${i}`]), `${runtime} create`);
        check(call(['start', `c${i}`]), `${runtime} start`);
        // wait for /bin/true to exit so delete sees a stopped container
        for (let k = 0; k < 200; k++) {
          const s = call(['state', `c${i}`]);
          if (s.status === 0 && JSON.parse(s.stdout).status === 'stopped') break;
        }
        check(call(['delete', `c${i}`]), `${runtime} delete`);
      }),
    );
  }
  // What engines call all the time: dockerd's `--version`, and the shim's `delete --force`
  // of the container it has just deleted.
  const version = [];
  const deleteGone = [];
  for (let i = 0; i < iterations; i++) {
    version.push(timeMs(() => check(spawnSync(argv0[0], [...argv0.slice(1), '--version'], { env, stdio: 'ignore' }), `${runtime} --version`)));
    deleteGone.push(timeMs(() => check(call(['delete', '--force', `c${i}`]), `${runtime} delete --force (gone)`)));
  }
  fs.closeSync(out);
  fs.rmSync(root, { recursive: true, force: true });
  return { run: median(run), cycle: median(cycle), version: median(version), deleteGone: median(deleteGone) };
}

function nodeStart(env) {
  const xs = [];
  for (let i = 0; i < iterations; i++) xs.push(timeMs(() => spawnSync(process.execPath, ['-e', '0'], { env })));
  return median(xs);
}

if (process.getuid() !== 0) {
  console.error('bench: run as root (containers are real)');
  process.exit(1);
}
const runc = which('runc');
if (!runc) {
  console.error('bench: runc is not installed (apt-get install runc)');
  process.exit(1);
}
const bundle = makeBundle();
const env = { ...process.env };
const caCerts = env.NODE_EXTRA_CA_CERTS;
delete env.NODE_EXTRA_CA_CERTS;
const results = {
  ocirt: scenarios('ocirt', [OCIRT], bundle, env),
  runc: scenarios('runc', [runc], bundle, env),
};
const withCa = caCerts ? scenarios('ocirt', [OCIRT], bundle, { ...env, NODE_EXTRA_CA_CERTS: caCerts }) : null;
fs.rmSync(bundle, { recursive: true, force: true });

const f = (x) => `${x.toFixed(1)} ms`;
console.log(`iterations: ${iterations}; Node ${process.version}; ${os.cpus().length} cpus`);
console.log(`node -e 0 start-up: ${f(nodeStart(env))}${caCerts ? `; with NODE_EXTRA_CA_CERTS: ${f(nodeStart({ ...env, NODE_EXTRA_CA_CERTS: caCerts }))}` : ''}`);
console.log('scenario                    ocirt        runc     ocirt/runc');
for (const [name, key] of [['run /bin/true', 'run'], ['create+start+delete', 'cycle'], ['--version', 'version'], ['delete --force (gone)', 'deleteGone']]) {
  const o = results.ocirt[key];
  const r = results.runc[key];
  console.log(`${name.padEnd(24)} ${f(o).padStart(10)} ${f(r).padStart(10)}   ${(o / r).toFixed(2)}`);
}
if (withCa) console.log(`ocirt with NODE_EXTRA_CA_CERTS set: run ${f(withCa.run)}, cycle ${f(withCa.cycle)} (the launcher drops it)`);
