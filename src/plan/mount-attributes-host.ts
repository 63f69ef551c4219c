import { constants } from 'node:os';
import type { Mount } from '../spec/types';
import { native } from '../native/binding';
import { isRecursiveAttribute, MOUNT_ATTR_NOSYMFOLLOW, MOUNT_ATTR_RDONLY, type MountSetattrSupport } from './recursive-attributes';

/**
 * Whether this kernel has mount_setattr(2) and takes MOUNT_ATTR_NOSYMFOLLOW, asked of
 * the kernel itself (addon/src/napi/mount_setattr_probe.cc): ENOSYS means no syscall,
 * EINVAL an attribute it does not know. EPERM (no CAP_SYS_ADMIN over the runtime's
 * mount namespace, rootless) tells nothing more: assumed supported, the init reports
 * what fails.
 */
export function probeMountSetattr(): MountSetattrSupport {
  const n = native();
  const base = n.mountSetattrProbe(MOUNT_ATTR_RDONLY, 0);
  if (base === constants.errno.ENOSYS) return { supported: false, nosymfollow: false };
  const nosymfollow = n.mountSetattrProbe(MOUNT_ATTR_NOSYMFOLLOW, 0) !== constants.errno.EINVAL;
  return { supported: true, nosymfollow };
}

/** The probe is made only for a config that uses a recursive attribute. */
export function usesRecursiveAttributes(mounts: readonly Mount[] | undefined): boolean {
  return (mounts ?? []).some((m) => (m.options ?? []).some(isRecursiveAttribute));
}
