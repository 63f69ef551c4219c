/**
 * The ocirt an ordinary test user can run. Normally this checkout's bin/ocirt; when a
 * directory on the way is closed to other users (a clone under /root, or in a mode-0700
 * `mktemp -d`), a copy of the built runtime (launcher, bundles, native artefacts and the
 * two npm packages the bundles load) in a world-readable temp directory, removed at exit.
 * OCIRT_TEST_COPY_RUNTIME=1 forces the copy.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OCIRT } from './ocirt-cli';

const REPO = path.resolve(__dirname, '../..');
const COPIED = ['dist', 'addon/build/Release/ocirt.node', 'addon/build/Release/ocirt-init', 'addon/build/Release/ocirt-fast', 'node_modules/ajv', 'node_modules/commander', 'package.json'];

let runtime: string | undefined;
const copies: string[] = [];

/** Removes the copy, if one was made (a later call makes a new one). */
export function releaseUserReachableOcirt(): void {
  for (const dir of copies.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  runtime = undefined;
}

/** Path of an ocirt launcher every user can execute. */
export function userReachableOcirt(): string {
  const forceCopy = process.env.OCIRT_TEST_COPY_RUNTIME === '1';
  runtime ??= !forceCopy && openToOthers(OCIRT) && openToOthers(path.join(REPO, 'dist/bundle/main.js')) ? OCIRT : copyRuntime();
  return runtime;
}

function openToOthers(file: string): boolean {
  try {
    if ((fs.statSync(file).mode & 0o004) === 0) return false;
    for (let d = path.dirname(file); ; d = path.dirname(d)) {
      if ((fs.statSync(d).mode & 0o001) === 0) return false;
      if (path.dirname(d) === d) return true;
    }
  } catch {
    return false;
  }
}

function copyRuntime(): string {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-user-runtime-'));
  fs.chmodSync(top, 0o755);
  copies.push(top);
  process.on('exit', releaseUserReachableOcirt);
  for (const rel of COPIED) {
    const from = path.join(REPO, rel);
    if (!fs.existsSync(from)) continue;
    fs.mkdirSync(path.dirname(path.join(top, rel)), { recursive: true, mode: 0o755 });
    fs.cpSync(from, path.join(top, rel), { recursive: true });
  }
  // the launcher scripts/build.mjs wrote, pointing into the copy
  const launcher = fs.readFileSync(OCIRT, 'utf8').replaceAll(`'${REPO}/`, `'${top}/`);
  fs.mkdirSync(path.join(top, 'bin'), { mode: 0o755 });
  fs.writeFileSync(path.join(top, 'bin/ocirt'), launcher, { mode: 0o755 });
  makeReadable(top);
  return path.join(top, 'bin/ocirt');
}

function makeReadable(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      fs.chmodSync(p, 0o755);
      makeReadable(p);
    } else if (e.isFile()) {
      fs.chmodSync(p, fs.statSync(p).mode | 0o044 | ((fs.statSync(p).mode & 0o100) ? 0o011 : 0));
    }
  }
}
