import { OcirtError } from '../native/error';
import type { PlanTerminal } from '../plan/init-plan';
import type { Process } from '../spec/types';

/**
 * The terminal part of a plan: present only when the process asks for a terminal.
 * `channelFd` is where ocirt-init finds the socket the pty master goes back on (the fd
 * after the sync channel). `relayed`: ocirt proxies the pty itself (no console socket),
 * so output newlines are left untranslated as runc's relay leaves them.
 */
export function terminalPlan(
  process: Process | undefined,
  channelFd: number,
  mountConsole: boolean,
  relayed: boolean,
): PlanTerminal | undefined {
  if (process?.terminal !== true) return undefined;
  const size = process.consoleSize;
  const sized = size !== undefined && size.height > 0 && size.width > 0;
  return {
    channelFd,
    rows: sized ? Math.min(size.height, 0xffff) : 0,
    cols: sized ? Math.min(size.width, 0xffff) : 0,
    mountConsole,
    clearOnlcr: relayed,
  };
}

/**
 * runc's rules (checkTerminal): a process with a terminal whose runtime returns before
 * it ends (create, run -d, exec -d) needs a --console-socket to hand the master to; a
 * console socket is only for such a process.
 */
export function checkTerminal(opts: { detach: boolean; terminal: boolean; consoleSocket?: string }): void {
  if (opts.detach && opts.terminal && !opts.consoleSocket) {
    throw new OcirtError('cannot allocate tty if ocirt will detach without setting console socket');
  }
  if ((!opts.detach || !opts.terminal) && opts.consoleSocket) {
    throw new OcirtError('cannot use console socket if ocirt will not detach or allocate tty');
  }
}
