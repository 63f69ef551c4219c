import type { Readable } from 'node:stream';
import { openCgroupDriver } from '../cgroups/select-driver';
import type { CgroupStats } from '../cgroups/stats-types';
import { unifiedCgroupHost } from '../cgroups/unified-host';
import { createContainer } from '../lifecycle/create';
import { deleteContainer } from '../lifecycle/delete';
import { streamEvents, type ContainerEvent } from '../lifecycle/events';
import { startExec, waitExec } from '../lifecycle/exec';
import type { ExecRequest } from '../lifecycle/exec-process';
import { SignalForwarder } from '../lifecycle/exec-wait';
import { killContainer } from '../lifecycle/kill';
import { listContainers, type ListEntry } from '../lifecycle/list';
import { pauseContainer } from '../lifecycle/pause';
import { exitCodeOf, ProcessExit, type ExitStatus } from '../lifecycle/process-exit';
import { containerPids } from '../lifecycle/ps';
import { resumeContainer } from '../lifecycle/resume';
import { DEFAULT_KILL_SIGNAL, parseSignal } from '../lifecycle/signals';
import { startContainer } from '../lifecycle/start';
import { loadForEvents } from '../lifecycle/stats';
import { updateContainer } from '../lifecycle/update';
import type { IntelRdtSchemaUpdate } from '../lifecycle/intel-rdt-update';
import { parseResourcesJson } from '../lifecycle/update-input';
import { validateBundle } from '../lifecycle/validate-bundle';
import type { BundleReport } from '../lifecycle/bundle';
import { loadContainer } from '../lifecycle/container';
import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import { defaultConfig, type DefaultConfigOptions } from '../spec/default-config';
import type { Spec } from '../spec/types';
import type { LinuxResources } from '../spec/types-resources';
import { stateOutput, type StateOutput } from '../state/status';
import { defaultRoot } from '../state/store';
import { AsyncQueue } from './async-queue';
import type {
  Container,
  CreateContainerOptions,
  DeleteOptions,
  EventsOptions,
  ExecHandle,
  ExecOptions,
  ExecProcessSpec,
  KillOptions,
  RunContainerOptions,
  RunResult,
  RuntimeOptions,
} from './types';

const REAP_TIMEOUT_MS = 10_000;

/**
 * ocirt in-process: the lifecycle of the CLI (create, start, exec, kill, delete, ...) as
 * async methods on one state root. Every failure is an {@link OcirtError} (code,
 * syscall, path; pointer and problems for a bad config.json).
 *
 * Nothing process-wide is changed unless asked: the subreaper role only with
 * `subreaper: true`, signal handlers only with `forwardSignals`. Waiting uses one pidfd
 * per process on the event loop, so any number of containers can be created, run and
 * waited for at once from one program.
 *
 * ```ts
 * const rt = new Runtime({ root: '/run/my-app', subreaper: true });
 * const { exitCode, stdout } = await rt.run('hello', { bundle: '/srv/bundle', stdio: ['ignore', 'pipe', 'inherit'] });
 * ```
 */
export class Runtime {
  /** The state directory of this runtime's containers. */
  readonly root: string;
  private readonly opts: RuntimeOptions;
  private readonly warn: (message: string) => void;
  /**
   * Inits this runtime waits for (as their subreaper), each reaped in the background as
   * soon as it exits, whoever deletes the container, so that none stays a zombie.
   */
  private readonly inits = new Map<string, Promise<ExitStatus>>();

  constructor(opts: RuntimeOptions = {}) {
    this.opts = opts;
    this.root = opts.root ?? defaultRoot();
    this.warn = opts.warn ?? ((m) => process.emitWarning(m, 'OcirtWarning'));
    if (opts.subreaper) native().setChildSubreaper();
  }

  /**
   * Creates a container from a bundle; resolves once its init exists with every
   * namespace, mount and cgroup in place and the create hooks have run. The init waits
   * for {@link start}. A failure leaves nothing behind.
   */
  async create(id: string, opts: CreateContainerOptions): Promise<Container> {
    const pin = this.isSubreaper();
    let exited: Promise<ExitStatus> | undefined;
    let streams: Omit<Container, 'id' | 'pid' | 'bundle'> = { stdin: null, stdout: null, stderr: null };
    try {
      const record = await createContainer({
        root: this.root,
        id,
        bundle: opts.bundle,
        stdio: opts.stdio ?? ['ignore', 'inherit', 'inherit'],
        onStdio: (s) => (streams = s),
        onInit: pin ? (pid, startTime) => (exited = backgroundWait(ProcessExit.open(pid, startTime, `wait for the process in ${id}`), `wait ${id}`)) : undefined,
        tty: opts.tty,
        consoleSocket: opts.consoleSocket,
        onConsole: opts.onConsole,
        pidFile: opts.pidFile,
        pidfdSocket: opts.pidfdSocket,
        preserveFds: opts.preserveFds,
        noPivot: opts.noPivot,
        rootless: this.opts.rootless,
        cgroupManager: this.opts.cgroupManager,
        warn: this.warn,
        debug: this.opts.debug,
      });
      if (exited) this.inits.set(id, exited);
      return { id, pid: record.pid, bundle: record.bundle, ...streams };
    } catch (err) {
      // The failed create killed the init: reap it, or it stays a zombie of ours.
      if (exited) await reaped(exited);
      for (const s of [streams.stdin, streams.stdout, streams.stderr]) s?.destroy();
      throw context(err, `create ${id}`);
    }
  }

  /** Starts a created container's process (poststart hooks run before this resolves). */
  async start(id: string): Promise<void> {
    try {
      await startContainer(this.root, id, this.opts.debug);
    } catch (err) {
      throw context(err, `start ${id}`);
    }
  }

  /**
   * create + start + wait + delete (unless `keep`). Needs the subreaper role. Output of
   * 'pipe' slots is collected into the result unless `onStdio` takes the streams.
   */
  async run(id: string, opts: RunContainerOptions): Promise<RunResult> {
    this.requireSubreaper(`run ${id}`);
    const c = await this.create(id, opts);
    const collected = opts.onStdio ? undefined : { stdout: collect(c.stdout), stderr: collect(c.stderr) };
    opts.onStdio?.(c);
    const forwarder = opts.forwardSignals ? new SignalForwarder() : undefined;
    try {
      const { record } = loadContainer(this.root, id);
      forwarder?.target(record.pid, record.initStartTime);
      await this.start(id);
    } catch (err) {
      forwarder?.stop();
      await this.delete(id, { force: true }).catch(() => {});
      throw err;
    }
    let status: ExitStatus;
    try {
      status = await this.wait(id);
    } finally {
      forwarder?.stop();
    }
    if (!opts.keep) await this.delete(id, { force: true });
    const result: RunResult = { ...status, exitCode: exitCodeOf(status) };
    if (collected) {
      const [stdout, stderr] = await Promise.all([collected.stdout, collected.stderr]);
      if (stdout) result.stdout = stdout;
      if (stderr) result.stderr = stderr;
    }
    return result;
  }

  /**
   * Resolves with how the container's init ended (it is reaped). Needs the subreaper
   * role; concurrent calls for one container share one wait.
   */
  wait(id: string): Promise<ExitStatus> {
    let exited = this.inits.get(id);
    if (!exited) {
      try {
        this.requireSubreaper(`wait ${id}`);
        const { record, status } = loadContainer(this.root, id);
        if (status === 'creating' || record.pid <= 0) throw new OcirtError(`container ${id} is still being created`);
        exited = backgroundWait(ProcessExit.open(record.pid, record.initStartTime, `wait for the process in ${id}`), `wait ${id}`);
      } catch (err) {
        return Promise.reject(context(err, `wait ${id}`));
      }
      this.inits.set(id, exited);
    }
    return keepingAlive(exited);
  }

  /** Runs a process in a created or running container; resolves once it has exec'd. */
  async exec(id: string, spec: ExecProcessSpec, opts: ExecOptions = {}): Promise<ExecHandle> {
    const execOpts = {
      root: this.root,
      id,
      request: execRequest(spec),
      detach: opts.detach ?? false,
      stdio: opts.stdio ?? (['ignore', 'inherit', 'inherit'] as const),
      pidFile: opts.pidFile,
      consoleSocket: opts.consoleSocket,
      onConsole: opts.onConsole,
      proxyTerminal: false,
      pidfdSocket: opts.pidfdSocket,
      preserveFds: opts.preserveFds ?? 0,
      listenFds: 0,
      ignorePaused: opts.ignorePaused,
      forwardSignals: opts.forwardSignals,
      warn: this.warn,
      debug: this.opts.debug,
    };
    try {
      const started = await startExec(execOpts);
      // Reaped as soon as it exits, waited for or not.
      const exited = started.exit ? waitExec(execOpts, started, false).catch((err) => Promise.reject(context(err, `exec ${id}`))) : undefined;
      exited?.catch(() => undefined);
      return {
        pid: started.pid,
        stdin: started.stdin,
        stdout: started.stdout,
        stderr: started.stderr,
        wait: () => (exited ? keepingAlive(exited) : Promise.reject(new OcirtError(`exec ${id}: a detached process is not waited for`))),
      };
    } catch (err) {
      throw context(err, `exec ${id}`);
    }
  }

  /** Sends a signal (a number or a name: 'SIGKILL', 'KILL', '9'; default SIGTERM) to the init, or to every process. */
  kill(id: string, signal: number | string = DEFAULT_KILL_SIGNAL, opts: KillOptions = {}): void {
    try {
      killContainer(this.root, id, typeof signal === 'number' ? signal : parseSignal(signal), opts.all ?? false, this.opts.debug);
    } catch (err) {
      throw context(err, `kill ${id}`);
    }
  }

  /**
   * Deletes a created or stopped container (a running or paused one with `force`):
   * processes, cgroups, state directory; poststop hooks run last. An init this runtime
   * pinned is reaped.
   */
  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    try {
      await deleteContainer(this.root, id, opts.force ?? false, this.warn, this.opts.debug);
    } catch (err) {
      throw context(err, `delete ${id}`);
    }
    const exited = this.inits.get(id);
    if (!exited) return;
    this.inits.delete(id);
    // delete killed it: it is reaped at once.
    await reaped(exited);
  }

  /** What the CLI's `state` prints, as an object. */
  state(id: string): StateOutput {
    try {
      const { record, status } = loadContainer(this.root, id);
      return stateOutput(record, status);
    } catch (err) {
      throw context(err, `state ${id}`);
    }
  }

  /** Every container under the root (the CLI's `list --format json`). */
  list(): ListEntry[] {
    return listContainers(this.root);
  }

  /** Host pids of the container's processes. */
  ps(id: string): number[] {
    try {
      return containerPids(this.root, id);
    } catch (err) {
      throw context(err, `ps ${id}`);
    }
  }

  /** Freezes every process of the container. */
  pause(id: string): void {
    try {
      pauseContainer(this.root, id);
    } catch (err) {
      throw context(err, `pause ${id}`);
    }
  }

  /** Thaws a paused container. */
  resume(id: string): void {
    try {
      resumeContainer(this.root, id);
    } catch (err) {
      throw context(err, `resume ${id}`);
    }
  }

  /**
   * Changes resource limits (a config.json's linux.resources; only the fields given are
   * written), validated as the CLI's `update -r` validates its file.
   */
  update(id: string, resources: LinuxResources, intelRdt: IntelRdtSchemaUpdate = {}): void {
    try {
      const checked = parseResourcesJson(JSON.stringify(resources), 'resources', this.warn);
      updateContainer(this.root, id, checked, this.warn, intelRdt);
    } catch (err) {
      throw context(err, `update ${id}`);
    }
  }

  /** The container's cgroup statistics now (the CLI's `events --stats` data). */
  stats(id: string): CgroupStats {
    try {
      return openCgroupDriver(loadForEvents(this.root, id).cgroup).stats();
    } catch (err) {
      throw context(err, `stats ${id}`);
    }
  }

  /**
   * Stats every `intervalMs` and each OOM kill, until the container is over, `signal`
   * aborts, or the loop is left.
   */
  async *events(id: string, opts: EventsOptions = {}): AsyncGenerator<ContainerEvent, void, undefined> {
    const queue = new AsyncQueue<ContainerEvent>();
    const stop = new AbortController();
    const abort = () => stop.abort();
    opts.signal?.addEventListener('abort', abort);
    if (opts.signal?.aborted) stop.abort();
    let done: Promise<void>;
    try {
      done = streamEvents(this.root, id, { intervalMs: opts.intervalMs ?? 5000, emit: (e) => queue.push(e), signal: stop.signal });
    } catch (err) {
      opts.signal?.removeEventListener('abort', abort);
      throw context(err, `events ${id}`);
    }
    done.then(
      () => queue.end(),
      (err) => queue.fail(context(err, `events ${id}`)),
    );
    try {
      yield* queue;
    } finally {
      stop.abort();
      opts.signal?.removeEventListener('abort', abort);
      await done.catch(() => undefined);
    }
  }

  /** Checks a bundle as `create` would, without creating anything (the CLI's `validate`). */
  validate(bundle: string): BundleReport {
    return validateBundle(bundle);
  }

  /** The config.json the CLI's `spec` writes, as an object to change and write yourself. */
  spec(opts: Omit<DefaultConfigOptions, 'cgroupNamespace'> = {}): Spec {
    return defaultConfig({ ...opts, cgroupNamespace: unifiedCgroupHost() });
  }

  private isSubreaper(): boolean {
    return this.opts.subreaper === true || native().isChildSubreaper();
  }

  private requireSubreaper(what: string): void {
    if (!this.isSubreaper()) {
      throw new OcirtError(`${what}: waiting for a container's process needs this process to be a child subreaper: new Runtime({ subreaper: true })`);
    }
  }
}

/**
 * Waits in the background without keeping the program alive by itself (a program may
 * leave a container running and end); the rejection is observed here, and again by
 * whoever awaits the result.
 */
function backgroundWait(exit: ProcessExit, what: string): Promise<ExitStatus> {
  const p = exit.wait(what, { ref: false });
  p.catch(() => undefined);
  return p;
}

/** While someone awaits a background wait, the program stays alive for it. */
async function keepingAlive<T>(p: Promise<T>): Promise<T> {
  const timer = setInterval(() => {}, 1 << 30);
  try {
    return await p;
  } finally {
    clearInterval(timer);
  }
}

/** A killed init's reap, bounded (it is a zombie of ours by now, or about to be). */
async function reaped(exited: Promise<ExitStatus>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, REAP_TIMEOUT_MS)));
  await Promise.race([exited.catch(() => undefined), timeout]);
  clearTimeout(timer);
}

/** The CLI's prefix ("create c1: ..."), on OcirtErrors and Node errors alike. */
function context(err: unknown, what: string): unknown {
  if (err instanceof Error && !err.message.startsWith(what)) err.message = `${what}: ${err.message}`;
  return err;
}

function collect(stream: Readable | null): Promise<Buffer | undefined> {
  if (!stream) return Promise.resolve(undefined);
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => {
    stream.on('close', () => resolve(Buffer.concat(chunks)));
    stream.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

function execRequest(spec: ExecProcessSpec): ExecRequest {
  if ('process' in spec) return { kind: 'file', file: 'process', text: JSON.stringify(spec.process) };
  return {
    kind: 'cli',
    args: spec.args,
    env: spec.env ?? [],
    cwd: spec.cwd,
    user: spec.user,
    additionalGids: (spec.additionalGids ?? []).map(String),
    caps: spec.caps ?? [],
    noNewPrivs: spec.noNewPrivileges,
    tty: spec.tty ?? false,
    apparmor: spec.apparmorProfile,
    processLabel: spec.selinuxLabel,
  };
}
