import type { Readable, Writable } from 'node:stream';
import type { CgroupManager } from '../cgroups/select-driver';
import type { ExitStatus } from '../lifecycle/process-exit';
import type { StdioSlot } from '../lifecycle/stdio';
import type { Process } from '../spec/types';

/** How a {@link Runtime} works; every field is optional. */
export interface RuntimeOptions {
  /** State directory of the containers (the CLI's --root). Default: as the CLI (`/run/ocirt` for root). */
  root?: string;
  /** cgroupfs (the default), systemd, or disabled: as the CLI's --cgroup-manager. */
  cgroupManager?: CgroupManager;
  /** "true", "false" or "auto" (the default): as the CLI's --rootless. */
  rootless?: 'true' | 'false' | 'auto';
  /**
   * Make this process a child subreaper now (prctl PR_SET_CHILD_SUBREAPER, which is
   * process-wide and cannot be undone by ocirt). Needed for exit statuses: `wait`, `run`
   * and a waited-for `exec` refuse without it unless the process already is one. Without
   * it the containers' processes are reparented to the host's init as with the CLI's create.
   */
  subreaper?: boolean;
  /** Config and clean-up warnings. Default: process.emitWarning (type OcirtWarning). */
  warn?: (message: string) => void;
  /** What is done at each stage (the CLI's --debug); nothing is built when absent. */
  debug?: (message: string) => void;
}

/** Streams of the slots given as 'pipe' (null for the others). */
export interface ProcessStreams {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
}

/** What {@link Runtime.create} takes: a bundle and how the container's process is wired. */
export interface CreateContainerOptions {
  /** The bundle directory (config.json and the rootfs). */
  bundle: string;
  /** stdin, stdout, stderr of the container's process. Default: ['ignore', 'inherit', 'inherit']. */
  stdio?: readonly [StdioSlot, StdioSlot, StdioSlot];
  /** Give the process a terminal even if config.json does not (the CLI's run -t). */
  tty?: boolean;
  /** With a terminal: an AF_UNIX socket that receives the pty master (as the CLI's). */
  consoleSocket?: string;
  /** With a terminal and no consoleSocket: receives the pty master; the caller owns the fd. */
  onConsole?: (master: number) => void;
  /** Write the init's host pid to this file. */
  pidFile?: string;
  /** AF_UNIX socket that receives a pidfd of the init. */
  pidfdSocket?: string;
  /** Pass this process's fds 3 .. 3+n-1 to the container's process. */
  preserveFds?: number;
  /** Do not pivot_root (a rootfs on a ramfs). */
  noPivot?: boolean;
}

/** A container {@link Runtime.create} made; it waits for {@link Runtime.start}. */
export interface Container extends ProcessStreams {
  id: string;
  /** Host pid of its init. */
  pid: number;
  /** The bundle directory, absolute. */
  bundle: string;
}

/** What {@link Runtime.run} takes: a create's options, and what to do while it runs. */
export interface RunContainerOptions extends CreateContainerOptions {
  /** Leave the container, stopped, for {@link Runtime.delete} instead of deleting it. */
  keep?: boolean;
  /**
   * Pass the signals this process gets (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2,
   * SIGWINCH, SIGCONT) on to the container's init while it runs. Handlers are added to
   * `process` for that time: ask for it only in a program that runs one container.
   */
  forwardSignals?: boolean;
  /**
   * Called once the container is created with its 'pipe' streams. Without it, piped
   * stdout and stderr are collected into the result.
   */
  onStdio?: (streams: ProcessStreams) => void;
}

/** How a {@link Runtime.run} ended. */
export interface RunResult extends ExitStatus {
  /** The CLI's exit status: the code, or 128 + the signal. */
  exitCode: number;
  /** The collected output of a 'pipe' stdout (without onStdio). */
  stdout?: Buffer;
  /** The collected output of a 'pipe' stderr (without onStdio). */
  stderr?: Buffer;
}

/** The process {@link Runtime.exec} runs: a command, or a whole runtime-spec process. */
export type ExecProcessSpec =
  | {
      /** The command and its arguments. */
      args: string[];
      /** NAME=VALUE, added to the container's environment. */
      env?: string[];
      cwd?: string;
      /** uid[:gid]. */
      user?: string;
      additionalGids?: number[];
      /** Capabilities added to the container's (bounding, effective, permitted). */
      caps?: string[];
      noNewPrivileges?: boolean;
      /** A terminal for the process. */
      tty?: boolean;
      apparmorProfile?: string;
      selinuxLabel?: string;
    }
  | {
      /** A runtime-spec process (what the CLI's --process file holds); validated as it is. */
      process: Process;
    };

/** What {@link Runtime.exec} takes besides the process. */
export interface ExecOptions {
  /** stdin, stdout, stderr of the process. Default: ['ignore', 'inherit', 'inherit']. */
  stdio?: readonly [StdioSlot, StdioSlot, StdioSlot];
  /**
   * Do not keep a handle to wait for it (the CLI's exec -d): the process is left to this
   * process's subreaper role, or the host's init. `wait()` then rejects.
   */
  detach?: boolean;
  /** With a terminal: an AF_UNIX socket that receives the pty master. */
  consoleSocket?: string;
  /** With a terminal and no consoleSocket: receives the pty master; the caller owns the fd. */
  onConsole?: (master: number) => void;
  /** Write the process's host pid to this file. */
  pidFile?: string;
  /** AF_UNIX socket that receives a pidfd of the process. */
  pidfdSocket?: string;
  /** Pass this process's fds 3 .. 3+n-1 to the process. */
  preserveFds?: number;
  /** Exec in a paused container. */
  ignorePaused?: boolean;
  /** Pass this process's signals on to the process while it runs (see RunContainerOptions). */
  forwardSignals?: boolean;
}

/** A process {@link Runtime.exec} started (it has exec'd). */
export interface ExecHandle extends ProcessStreams {
  /** Its host pid. */
  pid: number;
  /** Resolves once it has exited and been reaped. */
  wait(): Promise<ExitStatus>;
}

/** What {@link Runtime.kill} takes. */
export interface KillOptions {
  /** Every process of the container, not only its init (the CLI's kill --all). */
  all?: boolean;
}

/** What {@link Runtime.delete} takes. */
export interface DeleteOptions {
  /** Kill a running or paused container first. */
  force?: boolean;
}

/** What {@link Runtime.events} takes. */
export interface EventsOptions {
  /** Milliseconds between stats events. Default 5000. */
  intervalMs?: number;
  /** Ends the iteration. Leaving a for-await loop ends it as well. */
  signal?: AbortSignal;
}
