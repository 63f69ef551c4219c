import type { MessageSpec } from './protobuf';

/**
 * The part of CRIU's RPC schema (criu/images/rpc.proto, field numbers as in CRIU 3.x)
 * that ocirt sends or reads. Names are the proto's, in camelCase.
 */

export const REQ_TYPE = {
  DUMP: 1,
  RESTORE: 2,
  PRE_DUMP: 4,
  NOTIFY: 6,
  FEATURE_CHECK: 9,
  VERSION: 10,
} as const;

export const CG_MODE = { ignore: 0, soft: 3, full: 4, strict: 5, default: 6 } as const;
export type CgroupsMode = keyof typeof CG_MODE;

export interface ExtMount {
  key: string;
  val: string;
}
export interface InheritFd {
  key: string;
  fd: number;
}
export interface JoinNamespace {
  ns: string;
  nsFile: string;
}
export interface CgroupRoot {
  ctrl?: string;
  path: string;
}

/** criu_opts, the fields ocirt sets. */
export interface CriuOpts {
  imagesDirFd: number;
  pid?: number;
  leaveRunning?: boolean;
  extUnixSk?: boolean;
  tcpEstablished?: boolean;
  evasiveDevices?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  logLevel?: number;
  logFile?: string;
  ps?: { address: string; port: number };
  notifyScripts?: boolean;
  root?: string;
  parentImg?: string;
  trackMem?: boolean;
  autoDedup?: boolean;
  workDirFd?: number;
  linkRemap?: boolean;
  extMnt?: ExtMount[];
  manageCgroups?: boolean;
  cgRoot?: CgroupRoot[];
  rstSibling?: boolean;
  inheritFd?: InheritFd[];
  manageCgroupsMode?: number;
  external?: string[];
  emptyNs?: number;
  joinNs?: JoinNamespace[];
  freezeCgroup?: string;
  tcpSkipInFlight?: boolean;
  lazyPages?: boolean;
  statusFd?: number;
  orphanPtsMaster?: boolean;
  configFile?: string;
  lsmProfile?: string;
  lsmMountContext?: string;
}

const PAGE_SERVER: MessageSpec = {
  address: { no: 1, kind: 'string' },
  port: { no: 2, kind: 'int32' },
};
const EXT_MOUNT: MessageSpec = { key: { no: 1, kind: 'string' }, val: { no: 2, kind: 'string' } };
const INHERIT_FD: MessageSpec = { key: { no: 1, kind: 'string' }, fd: { no: 2, kind: 'int32' } };
const JOIN_NS: MessageSpec = { ns: { no: 1, kind: 'string' }, nsFile: { no: 2, kind: 'string' } };
const CGROUP_ROOT: MessageSpec = { ctrl: { no: 1, kind: 'string' }, path: { no: 2, kind: 'string' } };

export const CRIU_OPTS: MessageSpec = {
  imagesDirFd: { no: 1, kind: 'int32' },
  pid: { no: 2, kind: 'int32' },
  leaveRunning: { no: 3, kind: 'bool' },
  extUnixSk: { no: 4, kind: 'bool' },
  tcpEstablished: { no: 5, kind: 'bool' },
  evasiveDevices: { no: 6, kind: 'bool' },
  shellJob: { no: 7, kind: 'bool' },
  fileLocks: { no: 8, kind: 'bool' },
  logLevel: { no: 9, kind: 'int32' },
  logFile: { no: 10, kind: 'string' },
  ps: { no: 11, kind: 'message', message: PAGE_SERVER },
  notifyScripts: { no: 12, kind: 'bool' },
  root: { no: 13, kind: 'string' },
  parentImg: { no: 14, kind: 'string' },
  trackMem: { no: 15, kind: 'bool' },
  autoDedup: { no: 16, kind: 'bool' },
  workDirFd: { no: 17, kind: 'int32' },
  linkRemap: { no: 18, kind: 'bool' },
  extMnt: { no: 23, kind: 'message', repeated: true, message: EXT_MOUNT },
  manageCgroups: { no: 24, kind: 'bool' },
  cgRoot: { no: 25, kind: 'message', repeated: true, message: CGROUP_ROOT },
  rstSibling: { no: 26, kind: 'bool' },
  inheritFd: { no: 27, kind: 'message', repeated: true, message: INHERIT_FD },
  manageCgroupsMode: { no: 34, kind: 'enum' },
  external: { no: 37, kind: 'string', repeated: true },
  emptyNs: { no: 38, kind: 'uint32' },
  joinNs: { no: 39, kind: 'message', repeated: true, message: JOIN_NS },
  freezeCgroup: { no: 44, kind: 'string' },
  tcpSkipInFlight: { no: 46, kind: 'bool' },
  lazyPages: { no: 48, kind: 'bool' },
  statusFd: { no: 49, kind: 'int32' },
  orphanPtsMaster: { no: 50, kind: 'bool' },
  configFile: { no: 51, kind: 'string' },
  lsmProfile: { no: 53, kind: 'string' },
  lsmMountContext: { no: 63, kind: 'string' },
};

const FEATURES: MessageSpec = {
  memTrack: { no: 1, kind: 'bool' },
  lazyPages: { no: 2, kind: 'bool' },
};

export const CRIU_REQ: MessageSpec = {
  type: { no: 1, kind: 'enum' },
  opts: { no: 2, kind: 'message', message: CRIU_OPTS },
  notifySuccess: { no: 3, kind: 'bool' },
  features: { no: 5, kind: 'message', message: FEATURES },
};

export interface CriuReq {
  type: number;
  opts?: CriuOpts;
  notifySuccess?: boolean;
  features?: { memTrack?: boolean; lazyPages?: boolean };
}

export const CRIU_RESP: MessageSpec = {
  type: { no: 1, kind: 'enum' },
  success: { no: 2, kind: 'bool' },
  restore: { no: 4, kind: 'message', message: { pid: { no: 1, kind: 'int32' } } },
  notify: { no: 5, kind: 'message', message: { script: { no: 1, kind: 'string' }, pid: { no: 2, kind: 'int32' } } },
  crErrno: { no: 7, kind: 'int32' },
  features: { no: 8, kind: 'message', message: FEATURES },
  crErrmsg: { no: 9, kind: 'string' },
  version: {
    no: 10,
    kind: 'message',
    message: { majorNumber: { no: 1, kind: 'int32' }, minorNumber: { no: 2, kind: 'int32' }, sublevel: { no: 4, kind: 'int32' } },
  },
};

export interface CriuResp {
  type: number;
  success: boolean;
  restore?: { pid?: number };
  notify?: { script?: string; pid?: number };
  crErrno?: number;
  features?: { memTrack?: boolean; lazyPages?: boolean };
  crErrmsg?: string;
  version?: { majorNumber: number; minorNumber: number; sublevel?: number };
}
