// sysctl keys as written in linux.sysctl: "net.ipv4.ip_forward", or the slash form
// "net/ipv4/ip_forward" that sysctl(8) and runc also accept. In the dotted form a
// '/' stands for a literal '.' inside one component ("net.ipv4.conf.eth0/100.rp_filter").
import type { LinuxNamespaceType } from './types';

const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

/** The dotted form of a key, as runc normalises it. */
export function sysctlDottedName(key: string): string {
  const first = key.search(/[./]/);
  if (first === -1 || key[first] === '.') return key;
  return key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

/** Components of the key: the directory names under /proc/sys, then the file name. */
export function sysctlComponents(key: string): string[] {
  return sysctlDottedName(key)
    .split('.')
    .map((c) => c.replace(/\//g, '.'));
}

/** The file to write, relative to /proc/sys: "net/ipv4/ip_forward". */
export function sysctlProcPath(key: string): string {
  return sysctlComponents(key).join('/');
}

/** Why the key cannot name a file under /proc/sys, or undefined if it can. */
export function sysctlKeyProblem(key: string): string | undefined {
  if (key === '') return 'sysctl name must not be empty';
  if (key.includes('\0')) return 'sysctl name must not contain a NUL byte';
  const parts = sysctlComponents(key);
  if (parts.some((c) => c === '')) return 'sysctl name has an empty component';
  if (parts.some((c) => c === '.' || c === '..')) return "sysctl name must not contain '.' or '..' components";
  return undefined;
}

/**
 * The namespace a sysctl belongs to (following runc's rules), or undefined when the
 * sysctl is not namespaced and would change the host. kernel.hostname is reported as
 * "uts" too; the caller rejects it because the config has a dedicated field.
 */
export function sysctlNamespace(key: string): LinuxNamespaceType | undefined {
  const name = sysctlDottedName(key);
  if (IPC_SYSCTLS.has(name) || name.startsWith('fs.mqueue.')) return 'ipc';
  if (name.startsWith('net.')) return 'network';
  if (name === 'kernel.domainname' || name === 'kernel.hostname') return 'uts';
  if (name.startsWith('user.')) return 'user';
  return undefined;
}
