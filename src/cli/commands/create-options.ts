import type { OptionDef } from '../command-def';

export const createOptionDefs: OptionDef[] = [
  { name: 'bundle', short: 'b', value: 'dir', description: 'bundle directory (default: the current directory)' },
  { name: 'pid-file', value: 'file', description: 'write the init\'s host pid to this file' },
  { name: 'console-socket', value: 'path', description: 'AF_UNIX socket that receives the pty master (process.terminal)' },
  { name: 'no-pivot', description: 'use MS_MOVE and chroot instead of pivot_root (ramdisk roots)' },
  { name: 'no-new-keyring', description: 'do not create a new session keyring' },
  { name: 'preserve-fds', value: 'n', description: 'pass fds 3 .. 3+n-1 to the container process' },
];

/**
 * --preserve-fds N plus the systemd socket activation fds (LISTEN_FDS) the caller got,
 * as runc counts them.
 */
export function preservedFdCount(n: number): number {
  const listen = Number(process.env.LISTEN_FDS ?? '0');
  return n + (Number.isInteger(listen) && listen > 0 ? listen : 0);
}
