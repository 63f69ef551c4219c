import * as path from 'node:path';

/** The typed surface of ocirt.node (addon/src/napi/). */
export interface NativeBinding {
  setChildSubreaper(): void;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  waitForExit(pid: number): Promise<{ code: number | null; signal: number | null }>;
  /** umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW). */
  detachMount(path: string): void;
}

/**
 * The package root, found from this file's place: dist/native/ for the compiled library,
 * dist/bundle/commands/ for the CLI's bundles.
 */
function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    dir = path.dirname(dir);
    if (path.basename(dir) === 'dist') return path.dirname(dir);
  }
  return path.resolve(__dirname, '..', '..');
}

const BUILD_DIR = path.join(packageRoot(), 'addon', 'build', 'Release');

let binding: NativeBinding | undefined;

/** Loaded on first use: commands that do not need it never pay for dlopen. */
export function native(): NativeBinding {
  binding ??= require(path.join(BUILD_DIR, 'ocirt.node')) as NativeBinding;
  return binding;
}

/** Absolute path of the ocirt-init executable. */
export function initExecutablePath(): string {
  return path.join(BUILD_DIR, 'ocirt-init');
}
