// The README's first command: builds a small bundle on the spot (a static busybox
// rootfs from Debian's busybox-static) and runs a container from it with ocirt.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ocirt = path.join(top, 'bin/ocirt');
const busybox = '/bin/busybox';

function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(1);
}

if (process.getuid() !== 0) fail('containers need root here: run it as root (sudo npm run demo)');
if (!fs.existsSync(busybox)) fail(`${busybox} is missing: apt-get install busybox-static`);
if (!fs.existsSync(ocirt)) fail('ocirt is not built yet: run npm ci first');

const bundle = path.join(top, '.demo');
fs.rmSync(bundle, { recursive: true, force: true });
const rootfs = path.join(bundle, 'rootfs');
for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
fs.copyFileSync(busybox, path.join(rootfs, 'bin/busybox'));
fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/:/bin/sh\n');
fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\n');
for (const applet of ['sh', 'echo', 'hostname', 'id', 'ps', 'cat', 'ls', 'uname']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));

const spec = spawnSync(ocirt, ['spec', '--bundle', bundle], { stdio: 'inherit' });
if (spec.status !== 0) process.exit(spec.status ?? 1);
const configFile = path.join(bundle, 'config.json');
const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
config.process.terminal = false;
config.process.args = [
  'sh',
  '-c',
  'echo "hello from $(hostname), a container run by ocirt"; echo "I am: $(id)"; echo "kernel: $(uname -r)"; echo "processes I can see:"; ps -o pid,user,args',
];
fs.writeFileSync(configFile, JSON.stringify(config, null, 2));

const id = `demo-${process.pid}`;
console.log(`$ ocirt run --bundle ${path.relative(process.cwd(), bundle) || '.'} ${id}`);
const run = spawnSync(ocirt, ['run', '--bundle', bundle, id], { stdio: 'inherit' });
fs.rmSync(bundle, { recursive: true, force: true });
process.exit(run.status ?? 1);
