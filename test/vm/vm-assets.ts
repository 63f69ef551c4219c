// What the test VM boots: Debian's kernel (with its modules, for 9p, overlayfs and
// modprobe in the guest) and an initramfs of busybox-static, built once into a cache
// directory and reused.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type CpioEntry, newcArchive } from './newc-cpio';
import { STAGE1_MODULES, stage1Init } from './guest-scripts';

export const QEMU = 'qemu-system-x86_64';
const BUSYBOX = '/bin/busybox';

export interface VmAssets {
  kernel: string;
  initrd: string;
  /** lib/modules/<version> of the unpacked kernel package (with modules.dep). */
  modulesDir: string;
  kernelVersion: string;
}

/** A missing piece the harness cannot make itself; the message names the Debian package. */
export class VmSetupError extends Error {}

export function defaultCacheDir(): string {
  return process.env.OCIRT_VM_CACHE ?? '/var/cache/ocirt-vm';
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new VmSetupError(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new VmSetupError(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Whether an ELF file asks for a program interpreter (i.e. is dynamically linked). */
function hasInterpreter(file: string): boolean {
  const b = fs.readFileSync(file);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) return true; // not a 64-bit ELF: treat as unusable
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3 /* PT_INTERP */) return true;
  return false;
}

/** What the host must have to run the VM at all; an empty list means it can. */
export function missingHostTools(): string[] {
  const missing: string[] = [];
  if (!which(QEMU)) missing.push(`${QEMU} (apt-get install qemu-system-x86)`);
  if (!fs.existsSync(BUSYBOX) || hasInterpreter(BUSYBOX)) missing.push(`a static ${BUSYBOX} (apt-get install busybox-static)`);
  return missing;
}

function requireHostTools(): void {
  const missing = missingHostTools();
  if (missing.length > 0) throw new VmSetupError(`the test VM needs ${missing.join(' and ')}`);
  for (const [cmd, pkg] of [['apt-get', 'apt'], ['apt-cache', 'apt'], ['dpkg', 'dpkg']]) {
    if (!which(cmd)) throw new VmSetupError(`the test VM fetches Debian's kernel with ${cmd} (package ${pkg}), which is missing`);
  }
}

/** The kernel package Debian's archive offers now (what linux-image-amd64 depends on). */
function currentKernelPackage(): string {
  const forced = process.env.OCIRT_VM_KERNEL_PACKAGE;
  if (forced) return forced;
  const out = spawnSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' });
  const m = /Depends: (linux-image-[0-9][^\s]*-amd64)\b/.exec(out.stdout ?? '');
  if (!m) {
    throw new VmSetupError(
      'cannot tell which kernel to use: apt-cache knows no linux-image-amd64 (run apt-get update), or set OCIRT_VM_KERNEL_PACKAGE',
    );
  }
  return m[1];
}

/** Makes `final` from a fresh temp dir by `build`, atomically; a concurrent builder's result wins. */
function buildOnce(final: string, build: (tmp: string) => void): void {
  if (fs.existsSync(final)) return;
  const tmp = fs.mkdtempSync(`${final}.tmp-`);
  try {
    build(tmp);
    fs.renameSync(tmp, final);
  } catch (e) {
    if (!fs.existsSync(final)) throw e;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The newest kernel already in the cache, or one fetched from the archive. */
function ensureKernel(cache: string): { root: string; version: string } {
  const cached = fs
    .readdirSync(cache)
    .filter((e) => /^linux-image-.*-amd64$/.test(e))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const pkg = process.env.OCIRT_VM_KERNEL_PACKAGE ?? cached.pop() ?? currentKernelPackage();
  const root = path.join(cache, pkg);
  buildOnce(root, (tmp) => {
    fs.chmodSync(tmp, 0o755); // apt-get download drops privileges to _apt when it can
    try {
      run('apt-get', ['download', pkg], tmp);
    } catch (e) {
      throw new VmSetupError(`cannot fetch the kernel for the test VM (is Debian's archive reachable? apt-get update?): ${(e as Error).message}`);
    }
    const deb = fs.readdirSync(tmp).find((f) => f.endsWith('.deb'));
    if (!deb) throw new VmSetupError(`apt-get download ${pkg} left no .deb`);
    run('dpkg', ['-x', deb, 'root'], tmp);
    fs.rmSync(path.join(tmp, deb));
    const version = fs.readdirSync(path.join(tmp, 'root/lib/modules'))[0];
    run(BUSYBOX, ['depmod', '-b', path.join(tmp, 'root'), version]);
    for (const e of fs.readdirSync(path.join(tmp, 'root'))) fs.renameSync(path.join(tmp, 'root', e), path.join(tmp, e));
    fs.rmdirSync(path.join(tmp, 'root'));
  });
  const version = fs.readdirSync(path.join(root, 'lib/modules'))[0];
  if (!version || !fs.existsSync(path.join(root, 'boot', `vmlinuz-${version}`))) {
    throw new VmSetupError(`${root} holds no kernel: remove it and run again`);
  }
  return { root, version };
}

function initramfsEntries(modulesDir: string): CpioEntry[] {
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'modules'].map((d) => ({ path: d, type: 'dir' as const })),
    { path: 'bin/busybox', type: 'file', data: fs.readFileSync(BUSYBOX), mode: 0o755 },
    { path: 'bin/sh', type: 'symlink', target: 'busybox' },
    { path: 'init', type: 'file', data: Buffer.from(stage1Init()), mode: 0o755 },
  ];
  for (const m of STAGE1_MODULES) {
    const ko = path.join(modulesDir, 'kernel', `${m}.ko`);
    if (!fs.existsSync(ko)) throw new VmSetupError(`the kernel package lacks ${m}.ko (the -cloud flavour has no 9p; use -amd64)`);
    entries.push({ path: `modules/${path.basename(ko)}`, type: 'file', data: fs.readFileSync(ko) });
  }
  return entries;
}

/** Kernel, modules and initramfs, from the cache or made now. */
export function ensureVmAssets(cache = defaultCacheDir()): VmAssets {
  requireHostTools();
  fs.mkdirSync(cache, { recursive: true });
  const { root, version } = ensureKernel(cache);
  const modulesDir = path.join(root, 'lib/modules', version);
  const entries = initramfsEntries(modulesDir);
  const hash = createHash('sha256');
  for (const e of entries) hash.update(e.path).update(e.type === 'file' ? e.data : e.type === 'symlink' ? e.target : '');
  const initrd = path.join(cache, `initrd-${version}-${hash.digest('hex').slice(0, 12)}.cpio.gz`);
  if (!fs.existsSync(initrd)) {
    const tmp = `${initrd}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, gzipSync(newcArchive(entries), { level: 1 }));
    fs.renameSync(tmp, initrd);
    for (const old of fs.readdirSync(cache)) {
      if (old.startsWith('initrd-') && old.endsWith('.cpio.gz') && path.join(cache, old) !== initrd) fs.rmSync(path.join(cache, old), { force: true });
    }
  }
  return { kernel: path.join(root, 'boot', `vmlinuz-${version}`), initrd, modulesDir, kernelVersion: version };
}
