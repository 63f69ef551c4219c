import type { Readable, Writable } from 'node:stream';
import type { StdioSlot } from './stdio';
import type { CgroupDriver } from '../cgroups/driver';
import { type CgroupManager, newCgroupDriver } from '../cgroups/select-driver';
import { OcirtError } from '../native/error';
import { compilePlan } from '../plan/from-spec';
import { gatherHostFacts } from '../plan/host-facts';
import type { HostFacts } from '../plan/plan-options';
import { translateIntelRdt } from '../plan/intel-rdt';
import { translateNamespaces } from '../plan/namespaces';
import { translateNetDevices } from '../plan/net-devices';
import { nativeSeccompCompiler } from '../plan/seccomp-host';
import type { InitPlan } from '../plan/init-plan';
import type { Spec } from '../spec/types';
import type { LinuxResources } from '../spec/types-resources';
import { readStartTime } from '../state/liveness';
import type { ContainerRecord } from '../state/record';
import { StateStore } from '../state/store';
import { loadBundle } from './bundle';
import { runHooks, type HookState } from './hooks';
import { hookStateOf, newContainerRecord } from './new-record';
import { unsupportedFields } from './unsupported-fields';
import { writeIdMaps } from './id-maps';
import { killOrphanedInits } from './orphaned-init';
import { writePidFile } from './pid-file';
import { openPidfd, sendPidfd } from './pidfd-socket';
import { cgroupSummary, idMapText, namespacesSummary, planSummary } from './debug-summary';
import { destroyContainer } from './destroy';
import { refuseFrozenCgroup, thawToKill, watchFrozenCgroup } from './frozen-cgroup';
import { checkCgroupEmpty } from './non-empty-cgroup';
import { setProcessRlimits } from './process-rlimits';
import { initError, SyncChannel } from './sync-protocol';
import { joinIntelRdt } from './intel-rdt';
import { moveNetDevices } from './net-devices';
import { makeNotifyDir } from './notify-socket';
import { handOverSeccompListener } from './seccomp-notify';
import { sendToConsoleSocket } from './console-socket';
import { checkPreservedFds } from './exec-fds';
import { saveContainerConfig } from './exec-config';
import { spawnInit } from './init-process';
import { compileExecTemplate, processAttributesOf, sameUserNamespace, writeExecTemplate } from './exec-template';
import { closeQuietly, TerminalChannel } from './terminal-channel';
import { checkTerminal, terminalPlan } from './terminal-plan';
import { checkRootlessConfig, gatherRootlessFacts, type IdMapMethods, PRIVILEGED_ID_MAPS } from '../rootless/check-config';
import { rootlessCgroups } from '../rootless/cgroups';
import { rootlessMode } from '../rootless/mode';

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  noPivot?: boolean;
  preserveFds?: number;
  /** How many of the preserved fds are LISTEN_FDS ones: the process gets LISTEN_FDS and LISTEN_PID=1. */
  listenFds?: number;
  /** With a terminal: where the pty master goes (required unless `onConsole` takes it). */
  consoleSocket?: string;
  /** --pidfd-socket: where a pidfd of the init goes once it exists. */
  pidfdSocket?: string;
  /** `run -t`: a terminal even when config.json has process.terminal false. */
  tty?: boolean;
  /**
   * A foreground `run` without --console-socket: receives the pty master (the caller
   * owns the fd) to proxy the terminal itself.
   */
  onConsole?: (master: number) => void;
  /** Called with each config warning (e.g. defaults filled in). */
  warn?: (message: string) => void;
  /** --debug: told what is done at each stage (absent: nothing is said, or even built). */
  debug?: (message: string) => void;
  /** --rootless: "true", "false" or "auto" (the default), as runc. */
  rootless?: string;
  /** --cgroup-manager (--systemd-cgroup: systemd); cgroupfs when absent. */
  cgroupManager?: CgroupManager;
  /**
   * The caller's NOTIFY_SOCKET: the container gets a notify socket of its own at
   * /run/notify/notify.sock, which start/run forward from (notify-socket.ts).
   */
  notifySocket?: string;
  /**
   * The container process's stdin, stdout and stderr (default: this process's own, as
   * the CLI gives them). 'pipe' ones reach `onStdio` as streams.
   */
  stdio?: readonly [StdioSlot, StdioSlot, StdioSlot];
  /**
   * Told the init's pid and start time as soon as it exists (before any hook runs), e.g.
   * to pin it for waiting: a create that fails after this kills it.
   */
  onInit?: (pid: number, startTime: string) => void;
  /** Receives the streams of 'pipe' slots (null for the others) once the init is spawned. */
  onStdio?: (streams: { stdin: Writable | null; stdout: Readable | null; stderr: Readable | null }) => void;
}


/**
 * `create`: returns once the init exists with every namespace, mount and cgroup in
 * place, the prestart/createRuntime/createContainer hooks have run and the pid file is
 * written. The init then blocks on the exec fifo until `start`. Any failure removes
 * everything made so far: state dir, cgroups, the init.
 */
export async function createContainer(opts: CreateOptions): Promise<ContainerRecord> {
  const store = new StateStore(opts.root);
  store.dir(opts.id); // validates the id before anything else is touched
  const bundle = loadBundle(opts.bundle);
  for (const w of bundle.warnings) opts.warn?.(`config.json: ${w.pointer}: ${w.reason}`);
  for (const w of unsupportedFields(bundle.spec)) opts.warn?.(`config.json: ${w}`);
  const spec = bundle.spec;
  opts.debug?.(`bundle ${bundle.dir} loaded: config.json valid (ociVersion ${spec.ociVersion}), rootfs ${bundle.rootfs}`);
  if (opts.tty && spec.process) spec.process.terminal = true;
  checkTerminal({ detach: !opts.onConsole, terminal: spec.process?.terminal === true, consoleSocket: opts.consoleSocket });
  checkPreservedFds(opts.preserveFds ?? 0, opts.listenFds ?? 0);
  // What only root could allow is refused before anything is made.
  const rootless = rootlessMode(opts.rootless);
  const idMaps = rootless.euid ? checkRootlessConfig(spec, rootless, gatherRootlessFacts(rootless)) : PRIVILEGED_ID_MAPS;
  let cgroups = newCgroupDriver(spec.linux?.cgroupsPath || opts.id, {
    manager: opts.cgroupManager,
    systemdPath: spec.linux?.cgroupsPath,
    containerId: opts.id,
    rootless: rootless.euid,
    annotations: spec.annotations,
  });
  let resources = spec.linux?.resources;
  if (rootless.cgroups) {
    const choice = rootlessCgroups(cgroups, resources, rootless, { explicitPath: Boolean(spec.linux?.cgroupsPath) });
    ({ driver: cgroups, resources } = choice);
    if (choice.note) opts.warn?.(choice.note);
  }
  refuseFrozenCgroup(cgroups);

  store.ensureRoot();
  const stateDir = store.reserve(opts.id);
  // Once the id is ours (an existing id is refused without a word about its cgroup);
  // refused, nothing of the cgroup is touched: it is another container's.
  try {
    checkCgroupEmpty(cgroups, opts.warn);
  } catch (err) {
    store.remove(opts.id);
    throw err;
  }
  const record = newContainerRecord({ id: opts.id, bundle, spec, stateDir, cgroups, owner: rootless.euid ? rootless.userName : '', rootless: rootless.euid });


  let initPid = 0;
  let bootstrapPid = 0;
  try {
    // Written before anything is made on the host, so that `delete --force` finds the
    // cgroups (and later the init) of a create that was killed half-way.
    store.write(record);
    // Limits are written before any process joins, so they hold from its first instruction;
    // but for pids.max (pids.limit, unified pids.*), which would stop the runtime's own forks: it is
    // written once the init exists and before any hook or container code runs (as runc
    // sets it after nsexec's forks), so that even pids.limit 0 (1) leaves the process run.
    const [createResources, deferredPids] = cgroups.kind !== 'none' ? splitPidsLimit(resources) : [resources, undefined];
    cgroups.create(createResources, { warn: opts.warn });
    opts.debug?.(`cgroups: ${cgroupSummary(record.cgroup)} made, linux.resources applied`);
    const host = gatherHostFacts(spec, bundle.dir, cgroups.layout());
    const notifySocketDir = opts.notifySocket ? makeNotifyDir(stateDir) : undefined;
    const plan = compilePlan(spec, {
      containerId: opts.id,
      bundle: bundle.dir,
      execFifo: record.execFifo,
      noPivot: opts.noPivot ?? false,
      preserveFds: opts.preserveFds ?? 0,
      host,
      seccompCompiler: nativeSeccompCompiler(),
      ...(notifySocketDir ? { notifySocketDir } : {}),
    });
    // Done by the runtime from the host's side: moving network devices, Intel RDT.
    const netDevices = translateNetDevices(spec.linux, translateNamespaces(spec.linux).has, host.netDevices);
    const intelRdt = translateIntelRdt(spec.linux, opts.id, host.intelRdt);
    const terminal = terminalPlan(spec.process, 4 + plan.preserveFds, true, opts.onConsole !== undefined && !opts.consoleSocket);
    if (terminal) plan.terminal = terminal;
    if (opts.listenFds) plan.process.env.push(`LISTEN_FDS=${opts.listenFds}`, 'LISTEN_PID=1');
    if (rootless.euid && plan.waitForIdMaps) plan.dumpableForIdMaps = true;
    opts.debug?.(planSummary(plan, record.cgroup));
    // What `exec` takes its defaults from, whatever happens to the bundle later.
    saveContainerConfig(stateDir, spec);
    await runInit(plan, spec, record, cgroups, opts, idMaps, async (pid) => {
      initPid = pid;
      record.pid = pid;
      record.initStartTime = readStartTime(pid) ?? '';
      store.write(record);
      opts.onInit?.(pid, record.initStartTime);
      if (deferredPids) cgroups.update(deferredPids, { warn: opts.warn });
      // The init's namespaces exist; it waits for the state message before its rootfs.
      await moveNetDevices(opts.id, pid, netDevices);
    }, (pid) => {
      bootstrapPid = pid;
      // Before the init forks: the container init inherits the resctrl group.
      if (intelRdt) record.intelRdt = joinIntelRdt(intelRdt, pid);
    });
    if (opts.pidfdSocket) {
      const pidfd = openPidfd(initPid, record.initStartTime);
      try {
        sendPidfd(opts.pidfdSocket, pidfd, 'standard');
      } finally {
        closeQuietly(pidfd);
      }
    }
    writeTemplateFor(stateDir, record, spec, plan, host, opts.debug);
    record.status = 'created';
    delete record.creator;
    store.write(record);
    if (opts.pidFile) writePidFile(opts.pidFile, initPid);
    opts.debug?.(`container ${opts.id} created: init pid ${initPid} waits for start${opts.pidFile ? `, pid file ${opts.pidFile}` : ''}`);
    return record;
  } catch (err) {
    if (bootstrapPid > 0) safeKill(bootstrapPid);
    thawToKill(cgroups, { pid: record.pid, startTime: record.initStartTime });
    if (bootstrapPid > 0 && initPid === 0) killOrphanedInits(cgroups.pids());
    destroyContainer(record, { killInit: true, warn: opts.warn });
    cgroups.rollback();
    store.remove(opts.id);
    throw err;
  }
}

/** The exec template for ocirt-fast; a container it cannot describe gets none (Node execs). */
function writeTemplateFor(stateDir: string, record: ContainerRecord, spec: Spec, plan: InitPlan, host: HostFacts, debug?: (m: string) => void): void {
  let template;
  try {
    template = compileExecTemplate({
      record,
      spec,
      capLastCap: host.capLastCap,
      capBounding: host.capBounding,
      userNamespaceIsOwn: sameUserNamespace(record.pid),
      attributes: processAttributesOf(plan),
    });
  } catch (err) {
    template = (err as Error).message;
  }
  if (typeof template === 'string') {
    debug?.(`no exec template: ${template}`);
    return;
  }
  writeExecTemplate(stateDir, template);
}

async function runInit(
  plan: InitPlan,
  spec: Spec,
  record: ContainerRecord,
  cgroups: CgroupDriver,
  opts: CreateOptions,
  idMaps: IdMapMethods,
  onInitPid: (pid: number) => Promise<void>,
  onBootstrapPid: (pid: number) => void,
): Promise<void> {
  const terminal = plan.terminal ? TerminalChannel.open() : undefined;
  let init;
  try {
    init = spawnInit(plan.preserveFds, [], terminal ? [terminal.child] : [], opts.stdio);
  } finally {
    terminal?.closeChildEnd();
  }
  const child = { pid: init.pid };
  const exited = init.exited.then((r) => r.code, () => null);
  // The bootstrap killed before it reported the init's pid: the init (if forked) still
  // holds the sync socket open, so the channel alone would wait for ever.
  const bootstrapDied = new Promise<'bootstrap-died'>((resolve) =>
    init.exited.then(({ code, signal }) => {
      if (signal || code) setTimeout(() => resolve('bootstrap-died'), 50);
    }, () => undefined),
  );
  let pidReported = false;
  opts.onStdio?.({ stdin: init.stdin, stdout: init.stdout, stderr: init.stderr });
  onBootstrapPid(child.pid);
  const channel = new SyncChannel(init.sync);
  const freezer = watchFrozenCgroup(cgroups);
  try {
    // The init joins its cgroup before it creates anything, so every process it forks,
    // and a new cgroup namespace, start there.
    cgroups.join(child.pid);
    channel.send({ type: 'plan', plan });
    // "nsexec container setup", "child process in init()" and "init: closing the pipe
    // to signal completion" name runc's matching stages: runc's debug tests look for them.
    opts.debug?.(`ocirt-init[${child.pid}]: nsexec container setup: bootstrap spawned, in the container's cgroup, plan sent`);
    const hookState = (status: string): HookState => hookStateOf(record, status);
    for (;;) {
      const m = await Promise.race(pidReported ? [channel.next(), freezer.frozen] : [channel.next(), bootstrapDied, freezer.frozen]);
      if (m instanceof Error) throw m;
      if (m === 'bootstrap-died') {
        throw new OcirtError('the container\'s bootstrap process was killed before it reported the init');
      }
      if (m === null) {
        const code = await exited;
        throw new OcirtError(`container init exited before it was ready${code ? ` (exit status ${code})` : ''}`);
      }
      switch (m.type) {
        case 'error':
          throw initError(record.id, m);
        case 'idmap':
          writeIdMaps(child.pid, spec, idMaps);
          opts.debug?.(`ocirt-init[${child.pid}]: user namespace made; id maps written: uid ${idMapText(spec.linux?.uidMappings)} gid ${idMapText(spec.linux?.gidMappings)}`);
          channel.send({ type: 'ack' });
          break;
        case 'pid':
          pidReported = true;
          opts.debug?.(`ocirt-init[${m.pid}]: child process in init(): container init forked, namespaces ${namespacesSummary(plan)}`);
          await onInitPid(m.pid);
          channel.send({
            type: 'state',
            creating: JSON.stringify(hookState('creating')),
            created: JSON.stringify(hookState('created')),
          });
          break;
        case 'hooks':
          opts.debug?.(`ocirt-init[${record.pid}]: mounts made in the container; runtime hooks next`);
          await runHooks('prestart', spec.hooks?.prestart ?? [], hookState('creating'), opts.debug);
          await runHooks('createRuntime', spec.hooks?.createRuntime ?? [], hookState('creating'), opts.debug);
          channel.send({ type: 'ack' });
          break;
        case 'rlimits':
          setProcessRlimits(record.pid, plan.process.rlimits);
          channel.send({ type: 'ack' });
          break;
        case 'console':
          if (terminal) takeConsole(terminal, opts);
          break;
        case 'seccomp':
          handOverSeccompListener({
            pid: record.pid,
            fdInProcess: m.fd,
            seccomp: spec.linux!.seccomp!,
            state: hookState('creating'),
            ack: () => channel.send({ type: 'ack' }),
          });
          break;
        case 'ready':
          opts.debug?.(`ocirt-init[${record.pid}]: init: closing the pipe to signal completion: rootfs and process set up, blocked on the exec fifo`);
          return;
      }
    }
  } finally {
    freezer.stop();
    channel.close();
    terminal?.close();
  }
}

/** The pty master: to the console socket, or to the foreground `run` that proxies it. */
function takeConsole(terminal: TerminalChannel, opts: CreateOptions): void {
  const { fd, name } = terminal.receive();
  if (opts.onConsole && !opts.consoleSocket) {
    opts.onConsole(fd);
    return;
  }
  try {
    if (opts.consoleSocket) sendToConsoleSocket(opts.consoleSocket, fd, name);
  } finally {
    closeQuietly(fd);
  }
}

function safeKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * linux.resources without what sets pids.max (pids.limit and unified pids.* keys, which
 * are written after it and win, as at create), and that part on its own.
 */
function splitPidsLimit(resources: LinuxResources | undefined): [LinuxResources | undefined, LinuxResources | undefined] {
  if (!resources) return [resources, undefined];
  const unifiedPids = Object.entries(resources.unified ?? {}).filter(([k]) => k.startsWith('pids.'));
  if (resources.pids === undefined && unifiedPids.length === 0) return [resources, undefined];
  const rest: LinuxResources = { ...resources, pids: undefined };
  if (resources.unified) rest.unified = Object.fromEntries(Object.entries(resources.unified).filter(([k]) => !k.startsWith('pids.')));
  const deferred: LinuxResources = {};
  if (resources.pids !== undefined) deferred.pids = resources.pids;
  if (unifiedPids.length > 0) deferred.unified = Object.fromEntries(unifiedPids);
  return [rest, deferred];
}
