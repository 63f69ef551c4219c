import * as path from 'node:path';

/** The typed surface of ocirt.node (addon/src/napi/). */
export interface NativeBinding {
  setChildSubreaper(): void;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  waitForExit(pid: number): Promise<{ code: number | null; signal: number | null }>;
  /** umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW). */
  detachMount(path: string): void;
  /**
   * Loads a BPF_PROG_TYPE_CGROUP_DEVICE program (8-byte instructions) and attaches it to
   * the cgroup directory with BPF_F_ALLOW_MULTI, then detaches the device programs that
   * were there before; returns how many it replaced. Errors carry errno, syscall and,
   * for a rejected program, the verifier's `log`.
   */
  attachDeviceFilter(cgroupDir: string, program: Buffer, license: string): number;
  /** Device programs attached to the cgroup directory itself (BPF_PROG_QUERY). */
  deviceFilterCount(cgroupDir: string): number;
  /**
   * cgroup v1: an eventfd registered in dir/cgroup.event_control for dir/file
   * (memory.oom_control: OOM notifications); the kernel also signals it when the cgroup
   * is removed. Blocking, close-on-exec.
   */
  memoryEventFd(cgroupDir: string, file: string, args?: string): number;
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
