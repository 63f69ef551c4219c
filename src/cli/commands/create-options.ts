import type { OptionDef } from '../command-def';

export const createOptionDefs: OptionDef[] = [
  { name: 'bundle', short: 'b', value: 'dir', description: 'bundle directory (default: the current directory)' },
  { name: 'pid-file', value: 'file', description: 'write the init\'s host pid to this file' },
  { name: 'console-socket', value: 'path', description: 'AF_UNIX socket that receives the pty master (process.terminal)' },
  { name: 'pidfd-socket', value: 'path', description: 'AF_UNIX socket that receives a pidfd of the container\'s init (payload "standard")' },
  {
    name: 'no-subreaper',
    description: 'accepted as runc does; ocirt\'s init is never its own child, so ocirt stays the subreaper of a process it waits for',
  },
  { name: 'no-pivot', description: 'use MS_MOVE and chroot instead of pivot_root (ramdisk roots)' },
  { name: 'no-new-keyring', description: 'do not create a new session keyring' },
  { name: 'preserve-fds', value: 'n', description: 'pass fds 3 .. 3+n-1 to the container process' },
];

/**
 * --preserve-fds N plus the systemd socket activation fds (LISTEN_FDS) the caller got,
 * as runc counts them.
 */
export function preservedFdCount(n: number): number {
  return n + listenFdCount();
}

/**
 * Socket activation fds passed to ocirt (fds 3 .. 3+n-1), counted as systemd's
 * sd_listen_fds does and runc with it: LISTEN_PID must be this process.
 */
export function listenFdCount(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): number {
  if (env.LISTEN_FDS === undefined || env.LISTEN_PID === undefined || !/^\d+$/.test(env.LISTEN_PID)) return 0;
  if (Number(env.LISTEN_PID) !== pid || !/^\d+$/.test(env.LISTEN_FDS)) return 0;
  return Number(env.LISTEN_FDS);
}
