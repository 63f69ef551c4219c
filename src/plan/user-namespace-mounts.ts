import type { PlanMount } from './init-plan';
import { MS_BIND, MS_REC } from './mount-flags';
import { bindRemountFlags, type MountOptions } from './mount-options';
import { planError } from './plan-error';

/** Namespaces the container creates, as far as mounts in a new user namespace care. */
export interface CreatedNamespaces {
  user: boolean;
  network: boolean;
  pid: boolean;
  ipc: boolean;
}

/**
 * The kernel lets a new user namespace mount proc, sysfs and mqueue only for
 * namespaces it owns: proc needs a new pid namespace, sysfs a new network namespace,
 * mqueue a new ipc namespace. sysfs without one becomes a recursive bind of the host's
 * /sys with the mount's flags, as runc and crun fall back to; proc and mqueue are
 * refused with what to add. Returns null when the mount needs nothing special.
 */
export function userNamespaceMount(
  type: string,
  destination: string,
  options: MountOptions,
  created: CreatedNamespaces | undefined,
  at: string,
): PlanMount | null {
  if (!created?.user) return null;
  if (type === 'sysfs' && !created.network) {
    const bind = { ...options, flags: options.flags | MS_BIND | MS_REC };
    return {
      source: '/sys',
      destination,
      fstype: '',
      flags: MS_BIND | MS_REC,
      data: '',
      remountFlags: bindRemountFlags(bind),
      readonlyAfterSetup: false,
      propagation: options.propagation,
      createAs: 'dir',
      noSymlinks: true,
    };
  }
  if (type === 'proc' && !created.pid) {
    throw planError(at, 'proc can be mounted in a new user namespace only with a new pid namespace: add {"type": "pid"} to /linux/namespaces');
  }
  if (type === 'mqueue' && !created.ipc) {
    throw planError(at, 'mqueue can be mounted in a new user namespace only with a new ipc namespace: add {"type": "ipc"} to /linux/namespaces');
  }
  return null;
}
