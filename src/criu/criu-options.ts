import { CG_MODE, REQ_TYPE, type CriuOpts, type ExtMount, type InheritFd, type JoinNamespace } from './rpc-messages';
import type { CriuFlags } from './criu-flags';

/**
 * What CRIU must know about the container's mounts: each bind mount (its source is not
 * in the image: CRIU treats it as external and only records its destination), the
 * device nodes (bind-mounted in user namespaces) and the masked files (/dev/null binds).
 */
export interface MountFacts {
  binds: Array<{ destination: string; source: string }>;
  devices: string[];
}

/** A namespace joined by path: net and pid are CRIU externals, the others join_ns on restore. */
export interface JoinedNamespace {
  type: string;
  path: string;
  /** Inode of the namespace file (checkpoint). */
  inode?: number;
}

/** The name CRIU knows a namespace type by (runc's configs.NsName). */
export function criuNamespaceName(type: string): string {
  const names: Record<string, string> = { network: 'net', mount: 'mnt', pid: 'pid', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time' };
  return names[type] ?? type;
}

/** The key runc gives an external namespace: extRootNetNS, extRootPidNS. */
export function externalNamespaceKey(type: string): string {
  const n = criuNamespaceName(type);
  return `extRoot${n[0].toUpperCase()}${n.slice(1)}NS`;
}

/** runc's per-container CRIU configuration: annotation org.criu.config, else /etc/criu/runc.conf. */
export function criuConfigFile(annotations: Record<string, string>): string | undefined {
  if (Object.hasOwn(annotations, 'org.criu.config')) return annotations['org.criu.config'] || undefined;
  return '/etc/criu/runc.conf';
}

function common(flags: CriuFlags, fds: { imagesDir: number; workDir?: number }, annotations: Record<string, string>): CriuOpts {
  const opts: CriuOpts = {
    imagesDirFd: fds.imagesDir,
    logLevel: 4,
    manageCgroups: true,
    manageCgroupsMode: CG_MODE[flags.manageCgroupsMode ?? 'default'],
    notifyScripts: true,
    shellJob: flags.shellJob,
    extUnixSk: flags.extUnixSk,
    tcpEstablished: flags.tcpEstablished,
    fileLocks: flags.fileLocks,
    emptyNs: flags.emptyNs,
    orphanPtsMaster: true,
    autoDedup: flags.autoDedup,
    lazyPages: flags.lazyPages,
  };
  if (fds.workDir !== undefined) opts.workDirFd = fds.workDir;
  const config = criuConfigFile(annotations);
  if (config) opts.configFile = config;
  return opts;
}

export interface DumpInput {
  flags: CriuFlags;
  fds: { imagesDir: number; workDir?: number };
  annotations: Record<string, string>;
  /** Host path of the container's root filesystem. */
  rootfs: string;
  pid: number;
  mounts: MountFacts;
  /** Masked paths that are files in the container (dirs are tmpfs mounts CRIU dumps). */
  maskedFiles: string[];
  /** net and pid namespaces joined by path, with their inodes. */
  externalNamespaces: JoinedNamespace[];
  /** The freezer cgroup CRIU freezes the container with (ptrace otherwise). */
  freezeCgroup?: string;
  /** status fd for lazy pages, when CRIU is told about it itself. */
  statusFd?: number;
}

/** The DUMP or PRE_DUMP request's options, as runc builds them (libcontainer/criu_linux.go). */
export function dumpRequest(input: DumpInput): { type: number; opts: CriuOpts } {
  const { flags } = input;
  const opts: CriuOpts = {
    ...common(flags, input.fds, input.annotations),
    logFile: flags.preDump ? 'pre-dump.log' : 'dump.log',
    root: input.rootfs,
    pid: input.pid,
    leaveRunning: flags.leaveRunning,
    tcpSkipInFlight: flags.tcpSkipInFlight,
    linkRemap: flags.linkRemap,
  };
  const external = input.externalNamespaces
    .filter((n) => n.inode !== undefined)
    .map((n) => `${criuNamespaceName(n.type)}[${n.inode}]:${externalNamespaceKey(n.type)}`);
  if (external.length) opts.external = external;
  if (input.freezeCgroup) opts.freezeCgroup = input.freezeCgroup;
  if (flags.pageServer) opts.ps = flags.pageServer;
  if (flags.parentPath) {
    opts.parentImg = flags.parentPath;
    opts.trackMem = true;
  }
  if (input.statusFd !== undefined) opts.statusFd = input.statusFd;
  if (!flags.preDump) {
    const ext: ExtMount[] = [];
    for (const b of input.mounts.binds) ext.push({ key: b.destination, val: b.destination });
    for (const f of input.maskedFiles) ext.push({ key: f, val: '/dev/null' });
    for (const d of input.mounts.devices) ext.push({ key: d, val: d });
    opts.extMnt = dedupe(ext);
  }
  return { type: flags.preDump ? REQ_TYPE.PRE_DUMP : REQ_TYPE.DUMP, opts };
}

export interface RestoreInput {
  flags: CriuFlags;
  fds: { imagesDir: number; workDir?: number };
  annotations: Record<string, string>;
  /** The mount point CRIU restores into (the rootfs bind-mounted on a directory of its own). */
  root: string;
  mounts: MountFacts;
  hasMaskedPaths: boolean;
  /** Namespaces joined by path; net and pid come as fds (`inheritFds` order, CRIU fd 4 onwards). */
  joinedNamespaces: JoinedNamespace[];
  /** descriptors.json of the image: what fds 0, 1, 2 were ("pipe:[123]", "/dev/null"...). */
  descriptors: string[];
}

/**
 * The RESTORE request's options (runc's Restore): the restored tree becomes ocirt's
 * child (rst_sibling), pipes of the old stdio are replaced by ocirt's own fds 0-2,
 * external mounts get their new sources. `nsFiles` lists the namespace files to pass
 * to CRIU as fds 4, 5, ...
 */
export function restoreRequest(input: RestoreInput): { type: number; opts: CriuOpts; nsFiles: string[] } {
  const { flags } = input;
  const opts: CriuOpts = {
    ...common(flags, input.fds, input.annotations),
    logFile: 'restore.log',
    root: input.root,
    evasiveDevices: true,
    rstSibling: true,
  };
  if (flags.lsmProfile) opts.lsmProfile = flags.lsmProfile;
  if (flags.lsmMountContext) opts.lsmMountContext = flags.lsmMountContext;
  const inherit: InheritFd[] = [];
  const join: JoinNamespace[] = [];
  const nsFiles: string[] = [];
  for (const n of input.joinedNamespaces) {
    if (n.type === 'network' || n.type === 'pid') {
      inherit.push({ key: externalNamespaceKey(n.type), fd: 4 + nsFiles.length });
      nsFiles.push(n.path);
    } else {
      join.push({ ns: criuNamespaceName(n.type), nsFile: n.path });
    }
  }
  input.descriptors.forEach((d, fd) => {
    if (d.includes('pipe:')) inherit.push({ key: d, fd });
  });
  if (inherit.length) opts.inheritFd = inherit;
  if (join.length) opts.joinNs = join;
  const ext: ExtMount[] = input.mounts.binds.map((b) => ({ key: b.destination, val: b.source }));
  if (input.hasMaskedPaths) ext.push({ key: '/dev/null', val: '/dev/null' });
  for (const d of input.mounts.devices) ext.push({ key: d, val: d });
  opts.extMnt = dedupe(ext);
  return { type: REQ_TYPE.RESTORE, opts, nsFiles };
}

/** CRIU refuses two maps for one key; the last one (a later mount over the same place) wins. */
function dedupe(list: ExtMount[]): ExtMount[] {
  const byKey = new Map<string, ExtMount>();
  for (const m of list) {
    byKey.delete(m.key);
    byKey.set(m.key, m);
  }
  return [...byKey.values()];
}
