import * as path from 'node:path';
import type { NativeSeccompFilter, SeccompLibrary } from '../plan/seccomp-host';

/** The typed surface of ocirt.node (addon/src/napi/). */
export interface NativeBinding {
  setChildSubreaper(): void;
  /** prctl(PR_GET_CHILD_SUBREAPER). */
  isChildSubreaper(): boolean;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  /** waitpid(2) on a libuv pool thread (holds the thread until the process exits). */
  waitForExit(pid: number): Promise<{ code: number | null; signal: number | null }>;
  /**
   * posix_spawn of path: fds[i] becomes the child's fd i (-1: none), every other fd
   * closed, an empty environment, default signal dispositions. Returns the pid; the
   * child is waited for with waitForExit, not by libuv.
   */
  spawnProcess(path: string, args: string[], fds: number[]): number;
  /**
   * Waits on the event loop for the pidfd's process to exit, then reaps it with
   * waitid(P_PIDFD); rejects with errno ECHILD when it is not a child of this process.
   * ref false: the wait does not keep the event loop alive by itself.
   */
  waitPidfd(pidfd: number, ref?: boolean): Promise<{ code: number | null; signal: number | null }>;
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
  /** The libseccomp ocirt.node was built with; null when built without it. */
  seccompLibrary(): SeccompLibrary | null;
  /** Syscall numbers of names for a libseccomp arch ("x86_64"); null for an unknown name. */
  seccompResolve(arch: string, names: string[]): Array<number | null>;
  /** libseccomp's BPF program (struct sock_filter[]) for a rule list; errors carry `rule` and errno. */
  seccompCompile(filter: NativeSeccompFilter): Buffer;
  /** Which seccomp(2) flag sets and actions the running kernel accepts. */
  seccompKernelSupport(flags: number[], actions: number[]): { flags: boolean[]; actions: boolean[] };
  /** pidfd_getfd(2): a close-on-exec copy of another process's fd. */
  pidfdGetfd(pid: number, fd: number): number;
  /** Connects to a unix socket and sends `state` with `fd` as SCM_RIGHTS (seccomp notify). */
  sendSeccompListener(socketPath: string, state: string, fd: number): void;
  /** sched_setaffinity(2) of another process; the mask as 64-bit words (decimal strings). */
  setCpuAffinity(pid: number, mask: string[]): void;
  /** errno of mount_setattr(2) on fd -1 with these attributes: EBADF when the kernel accepts them. */
  mountSetattrProbe(attrSet: number, attrClear: number): number;
  /** prlimit(2) of another process: its soft and hard limit (decimal strings) of one resource. */
  setRlimit(pid: number, resource: number, soft: string, hard: string): void;
  /** One packet. */
  sendPacket(socket: number, data: Buffer): void;
  /** The next packet and its SCM_RIGHTS fds (close-on-exec); null when the peer is gone; errno ETIMEDOUT after timeoutMs. */
  receivePacket(socket: number, timeoutMs: number): { data: Buffer; fds: number[] } | null;
  /** mount(source, target, MS_BIND | MS_REC). */
  bindMount(source: string, target: string): void;
  /** A connected AF_UNIX SOCK_STREAM pair (SOCK_SEQPACKET with 'seqpacket'), both close-on-exec. */
  socketPair(kind?: 'seqpacket'): [number, number];
  /** One message with `payload` and `fd` as SCM_RIGHTS. */
  sendFd(socket: number, fd: number, payload: string): void;
  /**
   * The next message's fd (close-on-exec) and payload; null at end of stream. Waits at
   * most timeoutMs (throws errno ETIMEDOUT), forever without it.
   */
  receiveFd(socket: number, timeoutMs?: number): { fd: number; payload: string } | null;
  /** fd of a connection to the AF_UNIX SOCK_STREAM listener at path (any length). */
  connectUnix(path: string): number;
  /** fd of an AF_UNIX SOCK_STREAM listener bound at path. */
  listenUnix(path: string): number;
  /** fd of the next connection; waits at most timeoutMs (throws errno ETIMEDOUT). */
  acceptUnix(listener: number, timeoutMs?: number): number;
  /** An AF_UNIX SOCK_DGRAM socket bound at path (a stale socket file replaced), the file chmod'ed to mode. */
  bindDatagram(path: string, mode: number): number;
  /** An AF_UNIX SOCK_DGRAM socket connected to path ("@name": abstract). */
  connectDatagram(path: string): number;
  /** One datagram on a connected socket. */
  sendDatagram(fd: number, payload: string): void;
  /** The next datagram on fd (at most 4096 bytes), or null once pidfd is readable (its process exited). */
  receiveDatagram(fd: number, pidfd: number): Promise<Buffer | null>;
  /** sd_notify_barrier: "BARRIER=1" with a pipe's write end; how the receiver answered within timeoutMs. */
  notifyBarrier(fd: number, timeoutMs: number): Promise<'closed' | 'timeout' | 'data'>;
  /** TIOCSWINSZ. */
  setWindowSize(fd: number, rows: number, cols: number): void;
  /** TIOCGWINSZ. */
  windowSize(fd: number): { rows: number; cols: number };
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
  binding ??= require(addonPath()) as NativeBinding;
  return binding;
}

/** Absolute path of the ocirt-init executable. */
/** ocirt.node itself. */
export function addonPath(): string {
  return path.join(BUILD_DIR, 'ocirt.node');
}

export function initExecutablePath(): string {
  return path.join(BUILD_DIR, 'ocirt-init');
}
