import * as fs from 'node:fs';
import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import type { LinuxSeccomp } from '../spec/types';

/** The container's state as runtime-spec's state.json has it (what hooks get on stdin). */
export interface NotifyState {
  ociVersion: string;
  id: string;
  status: string;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/** runtime-spec's "container process state" sent to a seccomp agent. */
export interface ContainerProcessState {
  ociVersion: string;
  fds: string[];
  pid: number;
  metadata?: string;
  state: NotifyState;
}

/** The name runtime-spec gives the listener fd in `fds`. */
export const SECCOMP_FD_NAME = 'seccompFd';

export function containerProcessState(pid: number, state: NotifyState, seccomp: LinuxSeccomp): ContainerProcessState {
  // pid: the process that loaded the filter; state.pid: the container's init (the same for create).
  const out: ContainerProcessState = { ociVersion: state.ociVersion, fds: [SECCOMP_FD_NAME], pid, state: { ...state, pid: state.pid ?? pid } };
  if (seccomp.listenerMetadata) out.metadata = seccomp.listenerMetadata;
  return out;
}

/**
 * SCMP_ACT_NOTIFY: the process `pid` has loaded its filter and reported the listener's
 * fd number `fdInProcess` ({"type":"seccomp","fd":N} on the sync channel). The runtime
 * copies the fd with pidfd_getfd(2), lets the process go on (`ack`: it closes its copy;
 * a notified syscall simply waits for the agent), then connects to
 * linux.seccomp.listenerPath and sends the container process state as the payload with
 * the fd as SCM_RIGHTS, as runtime-spec and runc do. Used by create and exec.
 */
export function handOverSeccompListener(opts: {
  pid: number;
  fdInProcess: number;
  seccomp: LinuxSeccomp;
  state: NotifyState;
  ack: () => void;
}): void {
  const listenerPath = opts.seccomp.listenerPath;
  if (!listenerPath) throw new OcirtError('seccomp: a notify listener was reported, but linux.seccomp.listenerPath is not set');
  const n = native();
  let fd: number;
  try {
    fd = n.pidfdGetfd(opts.pid, opts.fdInProcess);
  } catch (err) {
    throw OcirtError.fromNode(`seccomp: copy the listener fd ${opts.fdInProcess} of pid ${opts.pid}`, err);
  }
  try {
    opts.ack();
    const payload = JSON.stringify(containerProcessState(opts.pid, opts.state, opts.seccomp));
    try {
      n.sendSeccompListener(listenerPath, payload, fd);
    } catch (err) {
      // runc's words for an agent that is not there (scripts grep for them).
      const what = (err as NodeJS.ErrnoException).syscall === 'connect' ? 'failed to connect with seccomp agent at' : 'send the listener to the seccomp agent at';
      throw OcirtError.fromNode(`seccomp: ${what} linux.seccomp.listenerPath ${listenerPath}`, err);
    }
  } finally {
    fs.closeSync(fd);
  }
}
