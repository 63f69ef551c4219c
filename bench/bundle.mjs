// The bench's bundles: one busybox rootfs, and a bundle per process over it
// (`/bin/true`, and a `sleep` that stays running for exec, state and kill).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const APPLETS = ['true', 'sleep', 'sh'];

export function makeBundles(dir, ocirt) {
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  for (const a of APPLETS) fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
  const make = (name, args) => {
    const bundle = path.join(dir, name);
    fs.mkdirSync(bundle);
    execFileSync(ocirt, ['spec', '--bundle', bundle], { stdio: 'ignore' });
    const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
    // What `runc spec` writes: crun 1.8 refuses ocirt's default 1.3.0 ("unknown version specified").
    config.ociVersion = '1.0.2-dev';
    config.root.path = rootfs;
    config.process.terminal = false;
    config.process.args = args;
    fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config, null, 2));
    return bundle;
  };
  return { rootfs, trueBundle: make('true', ['/bin/true']), sleepBundle: make('sleep', ['/bin/sleep', '100000']) };
}
