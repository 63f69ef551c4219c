// Types of an OCI runtime-spec 1.3.0 config.json, as read by ocirt.
//
// A Spec returned by validateConfig() has no null properties (Go's decoder treats
// null as absent, so they are dropped), process.user and its uid/gid are always
// present (Go's zero values), and linux.seccomp is present only with a defaultAction.
//
// Numbers: uint64/int64 fields are JavaScript numbers. JSON.parse rounds values
// beyond 2^53; in particular 18446744073709551615 (RLIM_INFINITY, "unlimited")
// arrives as 2^64. Consumers treat any value >= 2^64 - 1 as "unlimited".

import type { LinuxResources } from './types-resources';
import type { LinuxSeccomp } from './types-seccomp';

export type * from './types-resources';
export type * from './types-seccomp';

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
  kernel?: { path: string; parameters?: string[]; initrd?: string };
  image?: { path: string; format: string };
  hwconfig?: Record<string, unknown>;
}
