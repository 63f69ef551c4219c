// The CRIU requests checkpoint and restore send, decided without CRIU: the protobuf wire
// bytes, the options runc sets for the same flags, external mounts and namespaces.
import { describe, expect, it } from 'vitest';
import { checkParentPath, emptyNamespaceMask, parseCgroupsMode, parsePageServer, type CriuFlags } from '../../src/criu/criu-flags';
import { criuConfigFile, dumpRequest, externalNamespaceKey, restoreRequest } from '../../src/criu/criu-options';
import { restoreMountPoints } from '../../src/criu/mount-facts';
import { decodeMessage, encodeMessage } from '../../src/criu/protobuf';
import { CG_MODE, CRIU_REQ, CRIU_RESP, REQ_TYPE } from '../../src/criu/rpc-messages';
import type { InitPlan, PlanMount } from '../../src/plan/init-plan';

const flags = (over: Partial<CriuFlags> = {}): CriuFlags => ({
  imagePath: '/img',
  leaveRunning: false,
  tcpEstablished: false,
  tcpSkipInFlight: false,
  linkRemap: false,
  extUnixSk: false,
  shellJob: false,
  fileLocks: false,
  preDump: false,
  autoDedup: false,
  lazyPages: false,
  statusFd: -1,
  emptyNs: 0x40000000,
  ...over,
});

const mounts = { binds: [{ destination: '/data', source: '/host/data' }, { destination: '/sys/fs/cgroup', source: '/sys/fs/cgroup/c1' }], devices: ['/dev/null', '/dev/fuse'] };

describe('protobuf encoding of CRIU requests', () => {
  it('encodes fields with their numbers and wire types (checked against hand-made bytes)', () => {
    const bytes = encodeMessage(CRIU_REQ, { type: REQ_TYPE.DUMP, opts: { imagesDirFd: 5, pid: 300, leaveRunning: true, root: '/r', external: ['a', 'b'] } });
    // type=1 (field 1 varint); opts (field 2, length 14): images_dir_fd=5, pid=300 (0xac 0x02), leave_running=1, root "/r", external "a", "b" (field 37: key 0xaa 0x02)
    expect([...bytes]).toEqual([0x08, 0x01, 0x12, 0x13, 0x08, 0x05, 0x10, 0xac, 0x02, 0x18, 0x01, 0x6a, 0x02, 0x2f, 0x72, 0xaa, 0x02, 0x01, 0x61, 0xaa, 0x02, 0x01, 0x62]);
  });

  it('a negative int32 takes ten bytes, and decodes back', () => {
    const spec = { fd: { no: 1, kind: 'int32' as const } };
    const bytes = encodeMessage(spec, { fd: -1 });
    expect(bytes.length).toBe(11);
    expect(decodeMessage(spec, bytes)).toEqual({ fd: -1 });
  });

  it('decodes a response, nested messages included, and skips fields it does not know', () => {
    const unknown = Buffer.from([0xf8, 0x07, 0x01]); // field 127, varint
    const resp = Buffer.concat([
      encodeMessage(CRIU_RESP, { type: REQ_TYPE.NOTIFY, success: true, notify: { script: 'post-restore', pid: 4242 }, crErrno: 0 }),
      unknown,
    ]);
    expect(decodeMessage(CRIU_RESP, resp)).toEqual({ type: 6, success: true, notify: { script: 'post-restore', pid: 4242 }, crErrno: 0 });
  });
});

describe('dump request (as runc builds it)', () => {
  const base = {
    fds: { imagesDir: 7 },
    annotations: {},
    rootfs: '/b/rootfs',
    pid: 99,
    mounts,
    maskedFiles: ['/proc/kcore'],
    externalNamespaces: [{ type: 'network', path: '/run/netns/x', inode: 4026532000 }],
    freezeCgroup: '/sys/fs/cgroup/c1',
  };

  it('dump: root, pid, freezer, external mounts (binds and devices at themselves, masked files at /dev/null), external netns', () => {
    const { type, opts } = dumpRequest({ ...base, flags: flags({ leaveRunning: true, tcpEstablished: true, manageCgroupsMode: 'full' }) });
    expect(type).toBe(REQ_TYPE.DUMP);
    expect(opts).toMatchObject({
      imagesDirFd: 7,
      root: '/b/rootfs',
      pid: 99,
      leaveRunning: true,
      tcpEstablished: true,
      logFile: 'dump.log',
      logLevel: 4,
      manageCgroups: true,
      manageCgroupsMode: CG_MODE.full,
      notifyScripts: true,
      orphanPtsMaster: true,
      freezeCgroup: '/sys/fs/cgroup/c1',
      emptyNs: 0x40000000,
      configFile: '/etc/criu/runc.conf',
      external: ['net[4026532000]:extRootNetNS'],
    });
    expect(opts.extMnt).toEqual([
      { key: '/data', val: '/data' },
      { key: '/sys/fs/cgroup', val: '/sys/fs/cgroup' },
      { key: '/proc/kcore', val: '/dev/null' },
      { key: '/dev/null', val: '/dev/null' },
      { key: '/dev/fuse', val: '/dev/fuse' },
    ]);
  });

  it('pre-dump: memory only (no mounts), with the parent image and memory tracking', () => {
    const { type, opts } = dumpRequest({ ...base, flags: flags({ preDump: true, parentPath: '../pre' }) });
    expect(type).toBe(REQ_TYPE.PRE_DUMP);
    expect(opts.extMnt).toBeUndefined();
    expect(opts).toMatchObject({ parentImg: '../pre', trackMem: true, logFile: 'pre-dump.log' });
  });

  it('no freezer cgroup, no page server, no parent unless given; org.criu.config chooses or drops the config file', () => {
    const { opts } = dumpRequest({ ...base, freezeCgroup: undefined, annotations: { 'org.criu.config': '' }, flags: flags() });
    expect(opts.freezeCgroup).toBeUndefined();
    expect(opts.ps).toBeUndefined();
    expect(opts.parentImg).toBeUndefined();
    expect(opts.configFile).toBeUndefined();
    expect(criuConfigFile({ 'org.criu.config': '/etc/mine.conf' })).toBe('/etc/mine.conf');
  });
});

describe('restore request', () => {
  it('restores as ocirt\'s child into the given root; binds get their sources; pipes of descriptors.json are inherited; net/pid by fd, others joined', () => {
    const r = restoreRequest({
      flags: flags({ shellJob: true }),
      fds: { imagesDir: 7, workDir: 8 },
      annotations: {},
      root: '/state/c/criu-root',
      mounts,
      hasMaskedPaths: true,
      joinedNamespaces: [
        { type: 'network', path: '/run/netns/x' },
        { type: 'ipc', path: '/proc/1/ns/ipc' },
        { type: 'pid', path: '/proc/2/ns/pid' },
      ],
      descriptors: ['/dev/null', 'pipe:[123]', 'pipe:[456]'],
    });
    expect(r.type).toBe(REQ_TYPE.RESTORE);
    expect(r.nsFiles).toEqual(['/run/netns/x', '/proc/2/ns/pid']);
    expect(r.opts).toMatchObject({ root: '/state/c/criu-root', rstSibling: true, evasiveDevices: true, shellJob: true, workDirFd: 8, logFile: 'restore.log' });
    expect(r.opts.inheritFd).toEqual([
      { key: 'extRootNetNS', fd: 4 },
      { key: 'extRootPidNS', fd: 5 },
      { key: 'pipe:[123]', fd: 1 },
      { key: 'pipe:[456]', fd: 2 },
    ]);
    expect(r.opts.joinNs).toEqual([{ ns: 'ipc', nsFile: '/proc/1/ns/ipc' }]);
    expect(r.opts.extMnt).toEqual([
      { key: '/data', val: '/host/data' },
      { key: '/sys/fs/cgroup', val: '/sys/fs/cgroup/c1' },
      { key: '/dev/null', val: '/dev/null' },
      { key: '/dev/fuse', val: '/dev/fuse' },
    ]);
  });

  it('mount points to make: not inside a tmpfs mount, not cgroup filesystems', () => {
    const m = (destination: string, fstype: string, createAs: 'dir' | 'file' = 'dir') => ({ destination, fstype, createAs }) as PlanMount;
    const plan = { mounts: [m('/proc', 'proc'), m('/dev', 'tmpfs'), m('/dev/pts', 'devpts'), m('/devices', ''), m('/sys/fs/cgroup', 'cgroup2'), m('/etc/hosts', '', 'file')] } as InitPlan;
    expect(restoreMountPoints(plan)).toEqual([
      { destination: '/proc', createAs: 'dir' },
      { destination: '/dev', createAs: 'dir' },
      { destination: '/devices', createAs: 'dir' },
      { destination: '/etc/hosts', createAs: 'file' },
    ]);
  });
});

describe('flags', () => {
  it('page server, cgroups mode, empty namespaces, parent path: checked with one clear message each', () => {
    expect(parsePageServer('10.0.0.1:2700')).toEqual({ address: '10.0.0.1', port: 2700 });
    expect(parsePageServer('[::1]:27')).toEqual({ address: '::1', port: 27 });
    expect(() => parsePageServer('host')).toThrow('--page-server "host": use ADDRESS:PORT');
    expect(parseCgroupsMode('strict')).toBe('strict');
    expect(parseCgroupsMode(undefined)).toBeUndefined();
    expect(() => parseCgroupsMode('props')).toThrow('--manage-cgroups-mode "props": must be soft, full, strict or ignore');
    expect(emptyNamespaceMask(['network'])).toBe(0x40000000);
    expect(() => emptyNamespaceMask(['pid'])).toThrow('--empty-ns "pid": namespace not supported (only network)');
    expect(() => checkParentPath('/abs')).toThrow('--parent-path /abs: must be relative to --image-path');
    expect(externalNamespaceKey('pid')).toBe('extRootPidNS');
  });
});
