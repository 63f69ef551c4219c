/**
 * The InitPlan: the only data the native `ocirt-init` receives.
 *
 * Every decision is already made here: paths are absolute host paths or absolute
 * container paths, flags are numbers, names are resolved to numbers. The init executes
 * the plan in order and reports `{errno, syscall, path, stage}` when a step fails.
 *
 * Wire format: JSON, sent on the sync socket as a 4-byte little-endian length followed
 * by the UTF-8 text. 64-bit values that may exceed 2^53 (rlimits, capability masks)
 * travel as decimal strings so the C++ side parses them exactly. The state JSON that
 * in-container hooks read on stdin is sent later, once the init's host pid is known
 * (see src/lifecycle/sync-protocol.ts).
 */

export const INIT_PLAN_VERSION = 1;

/** Clone flags of the namespaces (linux/sched.h). */
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;
export const CLONE_NEWTIME = 0x00000080;

export interface NamespaceJoin {
  /** CLONE_NEW* flag of the namespace kind, handed to setns(2) as nstype. */
  flag: number;
  /** Host path of the namespace file, e.g. /proc/123/ns/net. */
  path: string;
}

export interface TimeOffset {
  secs: number;
  nanosecs: number;
}

export interface PlanRecursiveAttributes {
  /** struct mount_attr attr_set and attr_clr (MOUNT_ATTR_*). */
  attrSet: number;
  attrClear: number;
  afterSetup: boolean;
}

export interface PlanMount {
  /** Host path (bind) or a filesystem's source string ("proc", "tmpfs", a device). */
  source: string;
  /** Absolute path inside the container; resolved inside the rootfs by the init. */
  destination: string;
  /** Filesystem type for mount(2); "" for binds. */
  fstype: string;
  /** MS_* flags for the first mount(2) call (includes MS_BIND|MS_REC for binds). */
  flags: number;
  /** Filesystem-specific data string (e.g. "mode=755,size=65536k"). */
  data: string;
  /**
   * Flags applied with a second MS_REMOUNT|MS_BIND call after a bind mount (ro, nosuid,
   * nodev, noexec, relatime...). 0 when no remount is needed.
   */
  remountFlags: number;
  /** Propagation changes applied one mount(2) call each after mounting (MS_SHARED...). */
  propagation: number[];
  /**
   * What to create at the destination when it is missing: "dir", or "file" for a bind of
   * a non-directory source.
   */
  createAs: 'dir' | 'file';
  /** Refuse the mount when the destination (or any component) is a symlink: /proc, /sys. */
  noSymlinks: boolean;
  /**
   * A read-only tmpfs is mounted writable and made read-only (MS_REMOUNT|MS_RDONLY) after
   * every mount, device and symlink is in place, so mount points can still be created
   * inside it. Only for filesystems with a superblock of their own (tmpfs).
   */
  readonlyAfterSetup: boolean;
  /**
   * A tmpfs without mode=: when the destination exists before the mount, the init
   * prepends mode=<its permission, set-id and sticky bits> to `data`, so that the tmpfs
   * looks like the directory it covers, as runc does. Present only when true.
   */
  copyMountPointMode?: boolean;
  /**
   * Recursive mount attributes (rro, rnosuid...): mount_setattr(2) with AT_RECURSIVE on
   * the mount, so they reach its submounts. Applied after the mount, its remount,
   * propagation and copy-up, as runc; with afterSetup, at the end of the rootfs set-up
   * together with readonlyAfterSetup (a tmpfs, whose submounts come from later mounts).
   * Present only when the config gives any.
   */
  recursiveAttributes?: PlanRecursiveAttributes;
  /**
   * tmpcopyup: the tmpfs starts with a copy of the directory it is mounted on (files,
   * directories, symlinks, device nodes, fifos and sockets, with owners, modes and the
   * xattrs tmpfs takes; as runc and crun, not timestamps). rootOwner: the tmpfs root also
   * gets the owner of the directory (no uid=/gid= in data). Present only for tmpcopyup.
   */
  copyUp?: { rootOwner: boolean };
  /**
   * A bind in a user namespace: the source is opened (O_PATH) with the runtime's
   * credentials, in the container's mount namespace before the init takes its ids there,
   * and the mount is made from that handle. A mapped root may be unable to reach the
   * source itself (a 0700 directory on the way), as with runc's mount fds; the path is
   * also resolved only once. Present only when true.
   */
  preopenSource?: boolean;
  /**
   * An idmapped bind mount (src/plan/idmap-mounts.ts): made by the runtime's helper in the
   * container's mount namespace with open_tree(OPEN_TREE_CLONE) and
   * mount_setattr(MOUNT_ATTR_IDMAP), then attached by the init with move_mount onto the
   * destination resolved in the rootfs instead of mount(2). Absent: a plain mount.
   */
  idmap?: PlanMountIdmap;
}

export interface PlanMountIdmap {
  /** Index into InitPlan.idmapUserNamespaces: the user namespace holding the mapping. */
  userNamespace: number;
  /** ridmap: mount_setattr with AT_RECURSIVE, so submounts are idmapped too. */
  recursive: boolean;
  /** rbind: open_tree with AT_RECURSIVE, so the clone takes the submounts. */
  cloneRecursive: boolean;
  /** The mount's JSON pointer in config.json (/mounts/3), named in the init's errors. */
  configPointer: string;
}

/**
 * A user namespace that only carries an idmapped mount's mapping. The runtime's helper
 * makes it (a child that unshares CLONE_NEWUSER, whose uid_map and gid_map it writes),
 * or opens `path` (idmap without mappings in a user namespace joined by path).
 */
export type PlanIdmapUserNamespace = { uidMap: string; gidMap: string } | { path: string };

export interface PlanDevice {
  /** Absolute path inside the container (/dev/null). */
  path: string;
  /** S_IFCHR, S_IFBLK or S_IFIFO | permission bits, as for mknod(2). */
  mode: number;
  major: number;
  minor: number;
  uid: number;
  gid: number;
  /** Bind-mount the host's device node instead of mknod (user namespaces). */
  bind: boolean;
}

export interface PlanSymlink {
  target: string;
  /** Absolute path inside the container. */
  link: string;
  /** Remove whatever the image has at `link` first (/dev/ptmx); otherwise an existing entry is kept. */
  replace?: boolean;
}

export interface PlanHook {
  path: string;
  /** Full argv including argv[0]; defaults to [path]. */
  args: string[];
  env: string[];
  /** Seconds; 0 means no timeout. */
  timeout: number;
}

export interface PlanRlimit {
  /** RLIMIT_* number. */
  resource: number;
  soft: string;
  hard: string;
}

export interface PlanCapabilities {
  /** Bitmasks as decimal strings (capabilities reach bit 40, beyond 32-bit). */
  bounding: string;
  effective: string;
  inheritable: string;
  permitted: string;
  ambient: string;
}

export interface PlanProcess {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  /** -1 leaves the umask as it is (0022 by default like runc). */
  umask: number;
  capabilities: PlanCapabilities;
  rlimits: PlanRlimit[];
  /**
   * The process is in a user namespace other than the runtime's (created or joined): there
   * setrlimit could not raise a hard limit (CAP_SYS_RESOURCE counts only in the initial
   * user namespace). So where the init would set `rlimits` it asks the runtime instead
   * ({"type":"rlimits"}), which sets them with prlimit(2) on the waiting process and acks,
   * as runc does from its parent. Present only when true (and `rlimits` is not empty).
   */
  rlimitsByRuntime?: boolean;
  noNewPrivileges: boolean;
  /** null: leave unchanged. */
  oomScoreAdj: number | null;
  /** Value of PATH used to look up args[0] when it has no slash. */
  searchPath: string;
  /** mkdir -p of cwd inside the root before entering it (runc creates a missing cwd). */
  createCwd: boolean;
}

/**
 * process.terminal: the init (or the exec'd process) opens a pty from the container's
 * devpts, sends the master to the runtime on `channelFd` with SCM_RIGHTS, announces it
 * on the sync channel with {"type":"console","name":"/dev/pts/N"}, and makes the slave its
 * stdio and controlling terminal.
 */
export interface PlanTerminal {
  /** The init's fd of the terminal channel (a socket pair with the runtime). */
  channelFd: number;
  /** process.consoleSize; 0 leaves the kernel's default. */
  rows: number;
  cols: number;
  /** Bind-mount the slave on /dev/console (the container init, not exec). */
  mountConsole: boolean;
  /**
   * Clear ONLCR on the pty before the process starts, so that "\n" reaches the master
   * as "\n": when ocirt itself relays the pty (run / exec in the foreground without
   * --console-socket), as runc's relay does. A console socket's receiver sets its own.
   */
  clearOnlcr: boolean;
}

/** linux.seccomp, compiled (src/plan/seccomp.ts). */
export interface PlanSeccomp {
  /**
   * The BPF program (struct sock_filter[] in host byte order), base64: the ENOSYS stub
   * followed by libseccomp's filter. Loaded with seccomp(SECCOMP_SET_MODE_FILTER).
   */
  filter: string;
  /** SECCOMP_FILTER_FLAG_* for seccomp(2); NEW_LISTENER when notify. */
  flags: number;
  /**
   * A rule uses SCMP_ACT_NOTIFY: the init reports its listener fd on the sync channel
   * ({"type":"seccomp","fd":N}), the runtime copies it (pidfd_getfd), hands it to
   * linux.seccomp.listenerPath and acks; the init then closes its copy.
   */
  notify: boolean;
  /**
   * Load before the capabilities are dropped (noNewPrivileges is false: loading needs
   * CAP_SYS_ADMIN); otherwise after them, as late as possible. Either way before "ready",
   * as runc: the exec fifo wait and startContainer hooks run under the filter.
   */
  beforeCredentials: boolean;
}

/** process.scheduler: the sched_attr of sched_setattr(2). */
export interface PlanScheduler {
  policy: number;
  /** SCHED_FLAG_* bits. */
  flags: number;
  nice: number;
  priority: number;
  /** SCHED_DEADLINE times in nanoseconds, decimal strings (uint64). */
  runtime: string;
  deadline: string;
  period: string;
}

/** linux.memoryPolicy: the arguments of set_mempolicy(2). */
export interface PlanMemoryPolicy {
  /** MPOL_* mode with its MPOL_F_* flags. */
  mode: number;
  /** The node mask as 64-bit words (decimal strings), lowest nodes first; [] for none. */
  nodeMask: string[];
  /** maxnode: the kernel reads maxnode - 1 bits of the mask; 0 with no mask. */
  maxNode: number;
}

/** A write to a /proc/self/attr file: an LSM label the process gets at exec. */
export interface PlanAttrWrite {
  path: string;
  value: string;
}

/**
 * What the process gets besides its credentials, applied in this order while the
 * process still has its capabilities (runc's order), each only when the config sets it.
 * The same for the container's init and for `exec`.
 */
export interface PlanProcessAttributes {
  /** process.scheduler: sched_setattr(2). */
  scheduler?: PlanScheduler;
  /** process.ioPriority: the ioprio_set(2) value (class << 13 | level). */
  ioPriority?: number;
  /** linux.personality: the personality(2) persona (domain | flags). */
  personality?: number;
  /** linux.memoryPolicy: set_mempolicy(2). */
  memoryPolicy?: PlanMemoryPolicy;
  /** process.apparmorProfile, process.selinuxLabel: they take effect at exec. */
  execLabels?: PlanAttrWrite[];
  /** linux.seccomp (see PlanSeccomp.beforeCredentials for when it is loaded). */
  seccomp?: PlanSeccomp;
  /**
   * process.execCPUAffinity, for `exec` only (the spec does not apply it to the init):
   * `initial` is set by the runtime on the new process before it joins the container's
   * cgroup, `final` by the process itself just before execve. Masks as 64-bit words
   * (decimal strings), lowest CPUs first; null: unchanged.
   */
  cpuAffinity?: { initial: string[] | null; final: string[] | null };
}

export interface InitPlan extends PlanProcessAttributes {
  version: typeof INIT_PLAN_VERSION;
  containerId: string;

  /** Namespaces to join, in this order (a user namespace first). */
  joinNamespaces: NamespaceJoin[];
  /** CLONE_NEW* flags of the namespaces to create (CLONE_NEWUSER included). */
  createNamespaces: number;
  /** With CLONE_NEWUSER: the init waits until the runtime has written the id maps. */
  waitForIdMaps: boolean;
  /**
   * A user namespace joined by path: the init takes these ids (of that namespace) right
   * after joining, so that what it creates has an owner the namespace maps: its root, or
   * the process's ids where root is not mapped (src/plan/joined-user-namespace.ts).
   * Absent when no user namespace is joined.
   */
  joinedUserNamespaceIds?: { uid: number; gid: number };
  /**
   * The runtime writing the maps is not root (rootless): the init is dumpable while it
   * waits for them, or its /proc files would belong to root and be out of the writer's
   * (and newuidmap's) reach. Absent: false.
   */
  dumpableForIdMaps?: boolean;
  /** With CLONE_NEWTIME: offsets written to /proc/self/timens_offsets. */
  timeOffsets: { monotonic?: TimeOffset; boottime?: TimeOffset } | null;

  /** Host path of the exec fifo the init blocks on until `start`. */
  execFifo: string;

  /** Absolute host path of the container's root filesystem. */
  rootfs: string;
  /** MS_* propagation flags applied to "/" in the new mount namespace first. */
  rootPropagation: number;
  /** Make the rootfs bind mount a private mount before pivot (when the rootPropagation is not shared). */
  makeRootfsPrivate: boolean;
  noPivot: boolean;
  /**
   * noPivot only: file system types whose full mounts (the file system's root) outside
   * the rootfs are detached before the MS_MOVE, or covered by a tmpfs where the unmount
   * is refused (runc's msMoveRoot). Without pivot_root the host's proc and sysfs stay in
   * the mount namespace, and while a fully visible one exists the kernel lets a nested
   * user namespace mount a new proc or sysfs ("mount too revealing" refuses it
   * otherwise). Absent: none.
   */
  hideFsTypesOutsideRoot?: string[];
  readonlyRoot: boolean;
  /**
   * false when config.json has no mount namespace: the mounts are made into the rootfs
   * in the caller's mount namespace, "/" keeps its propagation, and the init chroots
   * instead of pivot_root (runc's behaviour). `delete` unmounts what is left.
   */
  ownMountNamespace: boolean;
  mounts: PlanMount[];
  /** The user namespaces PlanMount.idmap refers to, one per distinct mapping. Absent: none. */
  idmapUserNamespaces?: PlanIdmapUserNamespace[];
  devices: PlanDevice[];
  devSymlinks: PlanSymlink[];
  maskedPaths: string[];
  readonlyPaths: string[];
  /** Key in /proc/sys form (net/ipv4/ip_forward) and value. */
  sysctl: { path: string; value: string }[];
  hostname: string | null;
  domainname: string | null;

  process: PlanProcess;
  /** Number of fds from 3 upwards passed to the process (--preserve-fds, LISTEN_FDS). */
  preserveFds: number;
  /** Set by the lifecycle when the process has a terminal (absent otherwise). */
  terminal?: PlanTerminal;

  hooks: {
    /** Run by the init in the container's namespaces, before pivot_root. */
    createContainer: PlanHook[];
    /** Run by the init after `start`, just before exec of the user process. */
    startContainer: PlanHook[];
  };
}

export const EXEC_PLAN_VERSION = 1;

/**
 * `exec`: what ocirt-init (started as `ocirt-init <syncfd> exec`) needs to start a
 * process in an existing container. The conversation is in src/lifecycle/exec.ts.
 */
export interface ExecPlan extends PlanProcessAttributes {
  version: typeof EXEC_PLAN_VERSION;
  containerId: string;
  /**
   * The container init's namespaces as /proc/<pid>/ns/* paths, in setns order: user
   * first (it grants the rights for the others), mount last. pid and time apply to the
   * child the init forks, which becomes the process.
   */
  joinNamespaces: NamespaceJoin[];
  /** chroot here after joining: a container without a mount namespace of its own. */
  chroot: string | null;
  process: PlanProcess;
  terminal?: PlanTerminal;
  /** fds 3 .. 3+preserveFds-1 reach the process (--preserve-fds, LISTEN_FDS). */
  preserveFds: number;
  /** > 0: the process gets LISTEN_FDS=<n> and LISTEN_PID=<its own pid>. */
  listenFds: number;
}
