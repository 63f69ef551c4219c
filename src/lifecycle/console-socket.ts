import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import { closeQuietly } from './terminal-channel';

/**
 * --console-socket: connects to the engine's AF_UNIX SOCK_STREAM listener and sends one
 * message whose payload is the pty's name and whose one SCM_RIGHTS fd is the master
 * (what containerd's console.RecvFd and conmon expect). The caller closes its master.
 */
export function sendToConsoleSocket(socketPath: string, master: number, name: string): void {
  let sock: number;
  try {
    sock = native().connectUnix(socketPath);
  } catch (err) {
    throw OcirtError.fromNode(`connect to console socket ${socketPath}`, err);
  }
  try {
    native().sendFd(sock, master, name);
  } catch (err) {
    throw OcirtError.fromNode(`send the pty master to console socket ${socketPath}`, err);
  } finally {
    closeQuietly(sock);
  }
}
