import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import { isSameProcess } from '../state/liveness';
import { closeQuietly } from './terminal-channel';

/**
 * A pidfd of a process known by pid and start time: opened by pid, then checked against
 * the start time, so it never names a process that reused the pid.
 */
export function openPidfd(pid: number, startTime: string): number {
  let pidfd: number;
  try {
    pidfd = native().pidfdOpen(pid);
  } catch (err) {
    throw OcirtError.fromNode(`pidfd_open of process ${pid} for --pidfd-socket`, err);
  }
  if (!isSameProcess(pid, startTime)) {
    closeQuietly(pidfd);
    throw new OcirtError(`--pidfd-socket: process ${pid} exited before its pidfd could be opened`);
  }
  return pidfd;
}

/**
 * --pidfd-socket (runc 1.2): connects to the caller's AF_UNIX SOCK_STREAM listener and
 * sends one message whose one SCM_RIGHTS fd is the pidfd, with runc's payload:
 * "standard" for a container's init, "setns" for an exec'd process. The caller keeps
 * (and closes) its pidfd.
 */
export function sendPidfd(socketPath: string, pidfd: number, kind: 'standard' | 'setns'): void {
  let sock: number;
  try {
    sock = native().connectUnix(socketPath);
  } catch (err) {
    throw OcirtError.fromNode(`connect to pidfd socket ${socketPath}`, err);
  }
  try {
    native().sendFd(sock, pidfd, kind);
  } catch (err) {
    throw OcirtError.fromNode(`send the pidfd to ${socketPath}`, err);
  } finally {
    closeQuietly(sock);
  }
}
