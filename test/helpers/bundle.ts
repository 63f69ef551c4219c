import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Spec } from '../../src/spec/types';
import { makeBusyboxRootfs } from './busybox-rootfs';
import { defaultSpec } from './default-spec';

export interface TestBundle {
  dir: string;
  rootfs: string;
  spec: Spec;
  /** Rewrites config.json from `spec` after the test changed it. */
  save(): void;
  cleanup(): void;
}

let sharedRootfs: string | undefined;

/**
 * A bundle in a fresh temp dir. The busybox rootfs is copied from one made once per
 * test file (cp -a is fast: one binary and symlinks).
 */
export function makeBundle(args: string[] = ['sh', '-c', 'true'], edit?: (spec: Spec) => void): TestBundle {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-test-'));
  const rootfs = path.join(dir, 'rootfs');
  if (!sharedRootfs) {
    sharedRootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-rootfs-'));
    makeBusyboxRootfs(sharedRootfs);
  }
  fs.cpSync(sharedRootfs, rootfs, { recursive: true, verbatimSymlinks: true });
  // mkdtemp made the source 0700: a container user other than root could not even
  // reach "/" (an image's root directory is 0755).
  fs.chmodSync(rootfs, 0o755);
  const spec = defaultSpec(args);
  edit?.(spec);
  const save = () => fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 2));
  save();
  return { dir, rootfs, spec, save, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Removes the rootfs makeBundle copies from (call in afterAll; the next makeBundle makes a new one). */
export function removeSharedRootfs(): void {
  if (sharedRootfs) fs.rmSync(sharedRootfs, { recursive: true, force: true });
  sharedRootfs = undefined;
}
