// Types of an OCI runtime-spec 1.3.0 config.json, as read by ocirt.
//
// A Spec returned by validateConfig() has no null properties (Go's decoder treats
// null as absent, so they are dropped), process.user and its uid/gid are always
// present (Go's zero values), and linux.seccomp is present only with a defaultAction.
//
// Numbers: uint64/int64 fields are JavaScript numbers. JSON.parse rounds values
// beyond 2^53; in particular 18446744073709551615 (RLIM_INFINITY, "unlimited")
// arrives as 2^64. Consumers treat any value >= 2^64 - 1 as "unlimited".

export interface Spec {
  ociVersion: string;
  process?: Process;
  root?: Root;
  hostname?: string;
  domainname?: string;
  mounts?: Mount[];
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
  solaris?: Record<string, unknown>;
  windows?: Record<string, unknown>;
  vm?: VM;
  zos?: Record<string, unknown>;
  freebsd?: Record<string, unknown>;
}

export interface Process {
  terminal?: boolean;
  consoleSize?: ConsoleSize;
  user: User;
  args?: string[];
  /** Windows only. */
  commandLine?: string;
  env?: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  scheduler?: Scheduler;
  selinuxLabel?: string;
  ioPriority?: IOPriority;
  execCPUAffinity?: CPUAffinity;
}

export interface ConsoleSize {
  height: number;
  width: number;
}

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  /** Windows only. */
  username?: string;
}

export interface Capabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export type CapabilitySet = keyof Capabilities;

export interface Rlimit {
  /** RLIMIT_* name, e.g. "RLIMIT_NOFILE". */
  type: string;
  soft: number;
  hard: number;
}

export type SchedulerPolicy =
  | 'SCHED_OTHER'
  | 'SCHED_FIFO'
  | 'SCHED_RR'
  | 'SCHED_BATCH'
  | 'SCHED_ISO'
  | 'SCHED_IDLE'
  | 'SCHED_DEADLINE';

export type SchedulerFlag =
  | 'SCHED_FLAG_RESET_ON_FORK'
  | 'SCHED_FLAG_RECLAIM'
  | 'SCHED_FLAG_DL_OVERRUN'
  | 'SCHED_FLAG_KEEP_POLICY'
  | 'SCHED_FLAG_KEEP_PARAMS'
  | 'SCHED_FLAG_UTIL_CLAMP_MIN'
  | 'SCHED_FLAG_UTIL_CLAMP_MAX';

/** Arguments of sched_setattr(2). */
export interface Scheduler {
  policy: SchedulerPolicy;
  nice?: number;
  priority?: number;
  flags?: SchedulerFlag[];
  /** SCHED_DEADLINE only, nanoseconds. */
  runtime?: number;
  deadline?: number;
  period?: number;
}

export type IOPriorityClass = 'IOPRIO_CLASS_RT' | 'IOPRIO_CLASS_BE' | 'IOPRIO_CLASS_IDLE';

export interface IOPriority {
  class: IOPriorityClass;
  priority?: number;
}

/** CPU lists such as "0-3,7". */
export interface CPUAffinity {
  initial?: string;
  final?: string;
}

export interface Root {
  path: string;
  readonly?: boolean;
}

export interface Mount {
  destination: string;
  source?: string;
  options?: string[];
  type?: string;
  uidMappings?: LinuxIdMapping[];
  gidMappings?: LinuxIdMapping[];
}

export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  /** Seconds; must be > 0. */
  timeout?: number;
}

export interface Hooks {
  /** Deprecated by the spec, still used by engines (e.g. podman's network hooks). */
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

export type HookName = keyof Hooks;

export type LinuxNamespaceType =
  | 'pid'
  | 'network'
  | 'mount'
  | 'ipc'
  | 'uts'
  | 'user'
  | 'cgroup'
  | 'time';

export interface LinuxNamespace {
  type: LinuxNamespaceType;
  /** Join this existing namespace instead of creating a new one. */
  path?: string;
}

export interface LinuxIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface LinuxTimeOffset {
  secs?: number;
  nanosecs?: number;
}

/** Keys are clock names: "monotonic", "boottime". */
export type LinuxTimeOffsets = Record<string, LinuxTimeOffset>;

export type LinuxDeviceType = 'c' | 'b' | 'u' | 'p';

export interface LinuxDevice {
  path: string;
  type: LinuxDeviceType;
  /** Required unless type is "p". */
  major?: number;
  minor?: number;
  /** Permission bits, written in JSON as a decimal number. */
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface LinuxNetDevice {
  /** Name inside the container; defaults to the host name. */
  name?: string;
}

export type RootfsPropagation =
  | 'shared'
  | 'slave'
  | 'private'
  | 'unbindable'
  | 'rshared'
  | 'rslave'
  | 'rprivate'
  | 'runbindable';

export interface Linux {
  namespaces?: LinuxNamespace[];
  uidMappings?: LinuxIdMapping[];
  gidMappings?: LinuxIdMapping[];
  timeOffsets?: LinuxTimeOffsets;
  devices?: LinuxDevice[];
  netDevices?: Record<string, LinuxNetDevice>;
  cgroupsPath?: string;
  resources?: LinuxResources;
  rootfsPropagation?: RootfsPropagation;
  seccomp?: LinuxSeccomp;
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  intelRdt?: LinuxIntelRdt;
  personality?: LinuxPersonality;
  memoryPolicy?: LinuxMemoryPolicy;
}

// ---- cgroup resources ----

/** One rule of the device controller's allow/deny list. */
export interface LinuxDeviceCgroup {
  allow: boolean;
  /** "a" (all), "c" or "b". */
  type?: string;
  major?: number;
  minor?: number;
  /** Any combination of "r", "w", "m". */
  access?: string;
}

export interface LinuxMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  /** Deprecated: ignored on cgroup v2. */
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

export interface LinuxCPU {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

export interface LinuxPids {
  /** -1 or 0 (some engines) mean "max". */
  limit?: number;
}

export interface LinuxBlockIODevice {
  major: number;
  minor: number;
}

export interface LinuxWeightDevice extends LinuxBlockIODevice {
  weight?: number;
  leafWeight?: number;
}

export interface LinuxThrottleDevice extends LinuxBlockIODevice {
  rate: number;
}

export interface LinuxBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: LinuxWeightDevice[];
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}

export interface LinuxHugepageLimit {
  /** e.g. "2MB", "1GB". */
  pageSize: string;
  limit: number;
}

export interface LinuxInterfacePriority {
  name: string;
  priority: number;
}

export interface LinuxNetwork {
  classID?: number;
  priorities?: LinuxInterfacePriority[];
}

export interface LinuxRdma {
  hcaHandles?: number;
  hcaObjects?: number;
}

export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCPU;
  pids?: LinuxPids;
  blockIO?: LinuxBlockIO;
  hugepageLimits?: LinuxHugepageLimit[];
  network?: LinuxNetwork;
  /** Keyed by RDMA device name. */
  rdma?: Record<string, LinuxRdma>;
  /** cgroup v2 file name → value, e.g. {"memory.high": "1G"}. */
  unified?: Record<string, string>;
}

// ---- seccomp ----

export type LinuxSeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

export type LinuxSeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export type LinuxSeccompFlag =
  | 'SECCOMP_FILTER_FLAG_TSYNC'
  | 'SECCOMP_FILTER_FLAG_LOG'
  | 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'
  | 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV';

export type LinuxSeccompArch =
  | 'SCMP_ARCH_X86'
  | 'SCMP_ARCH_X86_64'
  | 'SCMP_ARCH_X32'
  | 'SCMP_ARCH_ARM'
  | 'SCMP_ARCH_AARCH64'
  | 'SCMP_ARCH_LOONGARCH64'
  | 'SCMP_ARCH_M68K'
  | 'SCMP_ARCH_MIPS'
  | 'SCMP_ARCH_MIPS64'
  | 'SCMP_ARCH_MIPS64N32'
  | 'SCMP_ARCH_MIPSEL'
  | 'SCMP_ARCH_MIPSEL64'
  | 'SCMP_ARCH_MIPSEL64N32'
  | 'SCMP_ARCH_PPC'
  | 'SCMP_ARCH_PPC64'
  | 'SCMP_ARCH_PPC64LE'
  | 'SCMP_ARCH_S390'
  | 'SCMP_ARCH_S390X'
  | 'SCMP_ARCH_SH'
  | 'SCMP_ARCH_SHEB'
  | 'SCMP_ARCH_PARISC'
  | 'SCMP_ARCH_PARISC64'
  | 'SCMP_ARCH_RISCV64';

export interface LinuxSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: LinuxSeccompOperator;
}

export interface LinuxSyscall {
  names: string[];
  action: LinuxSeccompAction;
  errnoRet?: number;
  args?: LinuxSeccompArg[];
}

export interface LinuxSeccomp {
  defaultAction: LinuxSeccompAction;
  defaultErrnoRet?: number;
  architectures?: LinuxSeccompArch[];
  flags?: LinuxSeccompFlag[];
  /** Unix socket that receives the SCMP_ACT_NOTIFY listener fd. */
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[];
}

// ---- the rest of linux ----

export interface LinuxIntelRdt {
  closID?: string;
  schemata?: string[];
  l3CacheSchema?: string;
  memBwSchema?: string;
  enableMonitoring?: boolean;
}

export type LinuxPersonalityDomain = 'LINUX' | 'LINUX32';

export interface LinuxPersonality {
  domain: LinuxPersonalityDomain;
  flags?: string[];
}

export type MemoryPolicyMode =
  | 'MPOL_DEFAULT'
  | 'MPOL_BIND'
  | 'MPOL_INTERLEAVE'
  | 'MPOL_WEIGHTED_INTERLEAVE'
  | 'MPOL_PREFERRED'
  | 'MPOL_PREFERRED_MANY'
  | 'MPOL_LOCAL';

export type MemoryPolicyFlag =
  | 'MPOL_F_NUMA_BALANCING'
  | 'MPOL_F_RELATIVE_NODES'
  | 'MPOL_F_STATIC_NODES';

/** Arguments of set_mempolicy(2). */
export interface LinuxMemoryPolicy {
  mode: MemoryPolicyMode;
  /** Node list such as "0-3,7"; may be empty for MPOL_DEFAULT/MPOL_LOCAL. */
  nodes?: string;
  flags?: MemoryPolicyFlag[];
}

// ---- other platforms: accepted and ignored by ocirt ----

export interface VM {
  hypervisor?: { path: string; parameters?: string[] };
  kernel: { path: string; parameters?: string[]; initrd?: string };
  image?: { path: string; format: string };
  hwconfig?: Record<string, unknown>;
}
