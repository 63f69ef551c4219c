import type { IntelRdtHostFacts } from './intel-rdt';
import type { LsmHostFacts } from './lsm-host';
import type { NetDeviceHostFacts } from './net-devices';
import type { MountSetattrSupport } from './recursive-attributes';
import type { SeccompCompiler, SeccompHostFacts } from './seccomp-host';
import type { UserNamespaceMaps } from './user-namespace-host';

/**
 * What the plan compiler needs besides the Spec. compilePlan is pure: every fact about
 * the host comes in here, gathered by the caller (see host-facts.ts).
 */

/** One cgroup hierarchy the container's cgroup lives in. */
export interface CgroupHierarchy {
  /**
   * Directory name under the cgroup mount's destination: "cpu,cpuacct", "memory",
   * "systemd" (cgroup v1: the base name of the hierarchy's mount point on the host);
   * "" for cgroup v2.
   */
  subdir: string;
  /** Host path of the container's own cgroup in this hierarchy (what a bind mounts). */
  hostPath: string;
  /**
   * Controllers of the hierarchy, as given to mount(2) -t cgroup: ["cpu", "cpuacct"];
   * ["name=systemd"] for the named systemd hierarchy. Unused for v2.
   */
  controllers: string[];
}

export interface CgroupLayout {
  /** 0: no cgroup filesystem found on the host; 1: v1 (or hybrid); 2: unified. */
  version: 0 | 1 | 2;
  /** v2: exactly one entry (subdir ""). v1: one entry per hierarchy. */
  mounts: CgroupHierarchy[];
  /**
   * Extra symlinks in the cgroup tmpfs, relative to the cgroup mount's destination:
   * `{link: "cpu", target: "cpu,cpuacct"}`. The compiler already derives runc's
   * co-mount links from subdirs containing "," (see cgroupV1Symlinks); entries here are
   * added to those (duplicates dropped).
   */
  symlinks: Array<{ link: string; target: string }>;
}

export interface HostFacts {
  /**
   * Kind of each bind mount source that exists, keyed by the source path as the
   * compiler resolves it (absolute as given, relative joined to the bundle): 'dir' for
   * a directory (after following symlinks), 'file' for anything else. Absent = missing.
   */
  sourceKinds: Record<string, 'dir' | 'file'>;
  /** /proc/kcore exists (CONFIG_PROC_KCORE): /dev/core is linked to it. */
  hasKcore: boolean;
  /** Layout used to expand mounts of type "cgroup". */
  cgroup: CgroupLayout;
  /**
   * /proc/sys/kernel/cap_last_cap. Capabilities above it are dropped from the masks,
   * as runc ignores capabilities the kernel does not support. Absent: no filtering.
   */
  capLastCap?: number;
  /**
   * The runtime's capability bounding set (decimal). A process left in the runtime's user
   * namespace cannot be granted a capability outside it: such a config is refused with
   * the capability's pointer. Absent: not checked.
   */
  capBounding?: string;
  /** libseccomp and kernel facts; gathered only for a config with linux.seccomp. */
  seccomp?: SeccompHostFacts;
  /** AppArmor/SELinux state; gathered only when the config asks for a label or profile. */
  lsm?: LsmHostFacts;
  /** Host interfaces of linux.netDevices that exist. */
  netDevices?: NetDeviceHostFacts;
  /** resctrl; gathered only for a config with linux.intelRdt. */
  intelRdt?: IntelRdtHostFacts;
  /** What mount_setattr(2) accepts; gathered only for a config with recursive mount attributes. */
  mountSetattr?: MountSetattrSupport;
  /**
   * The runtime itself runs in a user namespace other than the host's (rootless podman,
   * rootlesskit): the container is in one even without a user namespace of its own.
   */
  inUserNamespace?: boolean;
  /**
   * The runtime is root (euid 0) in its own user namespace: it keeps rights over files
   * that the container's mapped root lacks, so bind sources are opened by it (see
   * PlanMount.preopenSource). Absent: false (rootless: the container's root is the caller).
   */
  privilegedRuntime?: boolean;
  /**
   * The maps of the user namespace linux.namespaces joins by path, read from a process
   * in it; gathered only for such a config. Absent: unknown.
   */
  joinedUserNamespace?: UserNamespaceMaps;
}

export interface PlanOptions {
  containerId: string;
  /** Absolute bundle directory; root.path and relative bind sources resolve against it. */
  bundle: string;
  /** Absolute host path of the exec fifo. */
  execFifo: string;
  noPivot: boolean;
  /** --preserve-fds N plus the LISTEN_FDS handling, done by the caller. */
  preserveFds: number;
  host: HostFacts;
  /**
   * Unknown capability names: 'error' (default) refuses the config; 'ignore' drops
   * them, as runc does with a warning (use with the validator's 'warn' mode).
   */
  unknownCapabilities?: 'error' | 'ignore';
  /**
   * NOTIFY_SOCKET pass-through: the absolute host directory (made by the caller) that
   * is bind-mounted at /run/notify, with NOTIFY_SOCKET in the process's environment.
   */
  notifySocketDir?: string;
  /** Turns the decided seccomp rules into BPF (libseccomp, in ocirt.node). Needed for linux.seccomp. */
  seccompCompiler?: SeccompCompiler;
}
