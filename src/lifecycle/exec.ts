import type { Readable, Writable } from 'node:stream';
import * as fs from 'node:fs';
import { openCgroupDriver } from '../cgroups/select-driver';
import { type SubCgroupPaths, subCgroupDirs } from '../cgroups/sub-cgroup';
import { native } from '../native/binding';
import { spawnInit } from './init-process';
import { OcirtError } from '../native/error';
import { readCapBounding, readCapLastCap } from '../plan/capability-host';
import { loadContainerConfig } from './exec-config';
import { sameUserNamespace } from './exec-template';
import { compileExecPlan } from './exec-plan';
import { ignoredProcessFields, resolveExecProcess, type ExecRequest } from './exec-process';
import { SignalForwarder } from './exec-wait';
import { exitCodeOf, ProcessExit, type ExitStatus } from './process-exit';
import type { StdioSlot } from './stdio';
import { loadContainer } from './container';
import { sendToConsoleSocket } from './console-socket';
import { checkPreservedFds } from './exec-fds';
import { writePidFile } from './pid-file';
import { openPidfd, sendPidfd } from './pidfd-socket';
import { signalIfSame } from './signal-process';
import { setProcessRlimits } from './process-rlimits';
import { initError, SyncChannel } from './sync-protocol';
import { handOverSeccompListener } from './seccomp-notify';
import { closeQuietly, TerminalChannel } from './terminal-channel';
import { checkTerminal } from './terminal-plan';
import { cgroupSummary, namespacesSummary } from './debug-summary';
import { startTerminalProxy, type TerminalProxy } from './terminal-proxy';
import { isSameProcess, readStartTime } from '../state/liveness';

export interface ExecOptions {
  root: string;
  id: string;
  request: ExecRequest;
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  /** --pidfd-socket: where a pidfd of the exec'd process goes once it has started. */
  pidfdSocket?: string;
  /** fds 3.. passed through (--preserve-fds plus LISTEN_FDS). */
  preserveFds: number;
  /** How many of those came from LISTEN_FDS. */
  listenFds: number;
  ignorePaused?: boolean;
  /** --cgroup: existing sub-cgroups of the container's cgroup the process joins instead. */
  subCgroups?: SubCgroupPaths;
  /**
   * The process's stdin, stdout and stderr: this process's own ('inherit', the CLI),
   * 'pipe' (streams in the result), 'ignore', or an fd / stream to hand over.
   */
  stdio?: readonly [StdioSlot, StdioSlot, StdioSlot];
  /** With a terminal and no console socket: receives the pty master (the caller owns the fd). */
  onConsole?: (master: number) => void;
  /** In the foreground with a terminal and no onConsole: proxy it to this process's stdin/stdout (default true: the CLI). */
  proxyTerminal?: boolean;
  /** In the foreground: make this process a child subreaper first (the CLI's exec). */
  subreaper?: boolean;
  /** In the foreground: pass this process's signals on to the process (the CLI's exec). */
  forwardSignals?: boolean;
  warn: (message: string) => void;
  /** --debug: told what is done at each stage (absent: nothing is said, or even built). */
  debug?: (message: string) => void;
}

/** A process `startExec` has started. */
export interface StartedExec {
  pid: number;
  /** Set unless detached: waits for and reaps the process. */
  exit?: ProcessExit;
  /** The pty master, when the process has a terminal relayed to this process. */
  master?: number;
  /** Forwards signals while the process runs (forwardSignals). */
  forwarder?: SignalForwarder;
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
}

const SIGKILL = 9;

/**
 * `exec`: runs a process in a created or running container. It joins every namespace
 * of the container's init, its cgroup, and gets the container's capabilities, rlimits
 * and noNewPrivileges unless the process says otherwise. Detached, it returns once the
 * process has exec'd (its pid in --pid-file; the caller's subreaper inherits it).
 * Otherwise ocirt is its subreaper, forwards signals, and returns its exit status
 * (128+N when killed by signal N).
 */
export async function execProcess(opts: ExecOptions): Promise<number> {
  const started = await startExec(opts);
  if (!started.exit) return 0;
  return exitCodeOf(await waitExec(opts, started));
}

/**
 * Waits for a started process (terminal: proxied to this process's stdin/stdout unless
 * the caller took the master), stops forwarding signals once it is gone.
 */
export async function waitExec(opts: Pick<ExecOptions, 'id' | 'debug' | 'onConsole'>, started: StartedExec, ref = true): Promise<ExitStatus> {
  let proxy: TerminalProxy | undefined;
  if (started.master !== undefined && !opts.onConsole) {
    // With a terminal, SIGWINCH resizes the pty (which signals the process) instead.
    started.forwarder?.drop('SIGWINCH');
    proxy = startTerminalProxy(started.master);
  }
  let result: ExitStatus;
  try {
    result = await started.exit!.wait(`wait for the process in ${opts.id}`, { ref });
  } finally {
    started.forwarder?.stop();
    await proxy?.finish();
  }
  opts.debug?.(`exec: process pid ${started.pid} exited: ${result.code !== null ? `status ${result.code}` : `signal ${result.signal}`}`);
  return result;
}

/**
 * Starts the process; returns once it has exec'd. Unless detached it is pinned for
 * waiting (`exit`): this process must then be its subreaper.
 */
export async function startExec(opts: ExecOptions): Promise<StartedExec> {
  const { record, status, dir } = loadContainer(opts.root, opts.id);
  if (status === 'stopped') throw new OcirtError('cannot exec in a stopped container');
  if (status === 'creating') throw new OcirtError('cannot exec in a container that is still being created');
  if (status === 'created' && record.rootless && (globalThis.process.geteuid?.() ?? 0) !== 0) {
    // Its waiting init is not dumpable (it must not be), so only root may open its
    // /proc/<pid>/ns; once started, the container's process is the user's to enter.
    throw new OcirtError('cannot exec in a rootless container before it is started: start it first');
  }
  if (status === 'paused' && !opts.ignorePaused) {
    throw new OcirtError('cannot exec in a paused container (use --ignore-paused to override)');
  }
  const spec = loadContainerConfig(dir, record.bundle);
  const process = resolveExecProcess(opts.request, spec.process);
  if (opts.request.kind === 'file') {
    for (const w of ignoredProcessFields(process)) opts.warn(`${opts.request.file}: ${w}`);
    for (const f of opts.request.ignored ?? []) opts.warn(`${f} ignored: --process ${opts.request.file} gives the whole process`);
  }
  const terminal = process.terminal === true;
  // The pty master comes back to this process: for onConsole, or to proxy it (the CLI's exec -t).
  const relayed = !opts.consoleSocket && (opts.onConsole !== undefined || (!opts.detach && opts.proxyTerminal !== false));
  checkTerminal({ detach: opts.detach && !opts.onConsole, terminal, consoleSocket: opts.consoleSocket });
  if (terminal && !relayed && !opts.consoleSocket) throw new OcirtError('a process with a terminal needs a console socket or onConsole to take the pty master');
  checkPreservedFds(opts.preserveFds, opts.listenFds);
  const cgroup = openCgroupDriver(record.cgroup);
  if (opts.subCgroups) {
    // Refused before anything starts; a missing sub-cgroup is found by the join.
    if (cgroup.kind === 'none') cgroup.join(0, opts.subCgroups);
    subCgroupDirs(cgroup.paths, opts.subCgroups);
  }

  const plan = compileExecPlan({
    containerId: opts.id,
    initPid: record.pid,
    namespaces: record.namespaces,
    rootfs: record.rootfs,
    process,
    spec,
    capLastCap: readCapLastCap(),
    capBounding: readCapBounding(),
    preserveFds: opts.preserveFds,
    listenFds: opts.listenFds,
    userNamespaceIsOwn: sameUserNamespace(record.pid),
    terminalRelayed: relayed,
  });
  if (!isSameProcess(record.pid, record.initStartTime)) throw new OcirtError('cannot exec in a stopped container');
  opts.debug?.(
    `exec: container ${opts.id} is ${status}, init pid ${record.pid}; process ${JSON.stringify(plan.process.args)} uid ${plan.process.uid} ` +
      `gid ${plan.process.gid} cwd ${plan.process.cwd}; joins ${namespacesSummary({ createNamespaces: 0, joinNamespaces: plan.joinNamespaces })}`,
  );

  if (!opts.detach) {
    if (opts.subreaper) native().setChildSubreaper();
    else if (!native().isChildSubreaper()) {
      throw new OcirtError('waiting for an exec\'d process needs this process to be a child subreaper (ask for it: subreaper: true), or use detach');
    }
  }
  // From now on a signal to ocirt is meant for the process (held until it exists).
  const forwarder = !opts.detach && opts.forwardSignals ? new SignalForwarder() : undefined;
  const channel = terminal ? TerminalChannel.open() : undefined;
  let master = -1;
  let pidfd = -1;
  let pid = 0;
  let startTime = '';
  let exited: Promise<number | null> | undefined;
  let exit: ProcessExit | undefined;
  let streams: Pick<StartedExec, 'stdin' | 'stdout' | 'stderr'> = { stdin: null, stdout: null, stderr: null };
  try {
    let init;
    try {
      init = spawnInit(opts.preserveFds, ['exec'], channel ? [channel.child] : [], opts.stdio);
    } finally {
      channel?.closeChildEnd();
    }
    const child = { pid: init.pid };
    exited = init.exited.then((r) => r.code, () => null);
    streams = { stdin: init.stdin, stdout: init.stdout, stderr: init.stderr };
    const sync = new SyncChannel(init.sync);
    let execed = false;
    // The process may ask for its rlimits before its parent has reported its pid.
    let rlimitsAsked = false;
    const grantRlimits = () => {
      setProcessRlimits(pid, plan.process.rlimits);
      sync.send({ type: 'ack' });
      rlimitsAsked = false;
    };
    try {
      // execCPUAffinity.initial: before the process is in the container's cgroup.
      if (plan.cpuAffinity?.initial) native().setCpuAffinity(child.pid, plan.cpuAffinity.initial);
      // In the container's cgroup before it joins anything: the process forks there.
      cgroup.join(child.pid, opts.subCgroups, record.pid);
      sync.send({ type: 'exec', plan });
      // "nsexec container setup", "child process in init()" and "setns_init: about to exec"
      // name runc's matching stages: runc's exec debug test looks for them, as create's do.
      opts.debug?.(`ocirt-init[${child.pid}]: nsexec container setup: exec helper spawned, in cgroup ${cgroupSummary(record.cgroup)}, plan sent`);
      for (;;) {
        const m = await sync.next();
        if (m === null) break;
        if (m.type === 'error') throw initError(opts.id, m);
        if (m.type === 'pid') {
          pid = m.pid;
          startTime = readStartTime(pid) ?? '';
          // Pinned now: it cannot be reaped before we are its subreaper (the helper waits for nothing).
          if (!opts.detach) exit = ProcessExit.open(pid, startTime, `wait for the process in ${opts.id}`);
          forwarder?.target(pid, startTime);
          // Opened while the process is surely alive; sent once it has started.
          if (opts.pidfdSocket) pidfd = openPidfd(pid, startTime);
          if (rlimitsAsked) grantRlimits();
        } else if (m.type === 'rlimits') {
          rlimitsAsked = true;
          if (pid > 0) grantRlimits();
        } else if (m.type === 'console' && channel) {
          const got = channel.receive();
          if (opts.consoleSocket) {
            try {
              sendToConsoleSocket(opts.consoleSocket, got.fd, got.name);
            } finally {
              closeQuietly(got.fd);
            }
          } else {
            master = got.fd;
            opts.onConsole?.(master);
          }
        } else if (m.type === 'exec') {
          execed = true;
          opts.debug?.(`exec: child process in init(): process pid ${pid} entered the container's namespaces; setns_init: about to exec ${JSON.stringify(plan.process.args)}`);
        } else if (m.type === 'seccomp') {
          handOverSeccompListener({
            pid,
            fdInProcess: m.fd,
            seccomp: spec.linux!.seccomp!,
            state: { ociVersion: record.ociVersion, id: record.id, status: 'running', pid: record.pid, bundle: record.bundle, annotations: record.annotations },
            ack: () => sync.send({ type: 'ack' }),
          });
        }
      }
    } finally {
      sync.close();
    }
    // Reaped: the process has been handed to the subreaper by now.
    const code = await exited;
    if (!execed || pid === 0) {
      throw new OcirtError(`the exec'd process exited before it started${code ? ` (exit status ${code})` : ''}`);
    }
    if (pidfd >= 0) sendPidfd(opts.pidfdSocket!, pidfd, 'setns');
    if (opts.pidFile) writePidFile(opts.pidFile, pid);
  } catch (err) {
    if (pid > 0 && startTime) signalIfSame(pid, startTime, SIGKILL);
    if (pid > 0 && !opts.detach) {
      // Ours to reap (we are its subreaper once the helper is gone), or a zombie would stay.
      await exited;
      if (exit) await exit.wait(opts.id).catch(() => undefined);
      else await native().waitForExit(pid).catch(() => undefined);
    }
    streams.stdin?.destroy();
    streams.stdout?.destroy();
    streams.stderr?.destroy();
    if (master >= 0 && !opts.onConsole) closeQuietly(master);
    if (pidfd >= 0) closeQuietly(pidfd);
    channel?.close();
    forwarder?.stop();
    throw err;
  }
  if (pidfd >= 0) closeQuietly(pidfd);
  channel?.close();
  return { pid, exit, forwarder, ...(master >= 0 ? { master } : {}), ...streams };
}
