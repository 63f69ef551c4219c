import * as path from 'node:path';

/** The typed surface of ocirt.node (addon/src/napi/). */
export interface NativeBinding {
  setChildSubreaper(): void;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  waitForExit(pid: number): Promise<{ code: number | null; signal: number | null }>;
}

const BUILD_DIR = path.join(__dirname, '..', '..', 'addon', 'build', 'Release');

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
