/**
 * runc's recursive mount attributes (specconv recAttrFlags): options applied with
 * mount_setattr(2) and AT_RECURSIVE, so they reach every submount of the new mount
 * (`rro` on an rbind makes the submounts read-only too, which `ro` does not).
 * MOUNT_ATTR_* values from linux/mount.h (uapi).
 */

export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_NOSUID = 0x2;
export const MOUNT_ATTR_NODEV = 0x4;
export const MOUNT_ATTR_NOEXEC = 0x8;
/** The atime field: an enum of RELATIME (0), NOATIME and STRICTATIME, not bits. */
export const MOUNT_ATTR__ATIME = 0x70;
export const MOUNT_ATTR_RELATIME = 0x0;
export const MOUNT_ATTR_NOATIME = 0x10;
export const MOUNT_ATTR_STRICTATIME = 0x20;
export const MOUNT_ATTR_NODIRATIME = 0x80;
export const MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

/** [clear, attribute]: `clear` options take the attribute away. */
export const RECURSIVE_ATTRIBUTES: Record<string, readonly [boolean, number]> = {
  rro: [false, MOUNT_ATTR_RDONLY],
  rrw: [true, MOUNT_ATTR_RDONLY],
  rnosuid: [false, MOUNT_ATTR_NOSUID],
  rsuid: [true, MOUNT_ATTR_NOSUID],
  rnodev: [false, MOUNT_ATTR_NODEV],
  rdev: [true, MOUNT_ATTR_NODEV],
  rnoexec: [false, MOUNT_ATTR_NOEXEC],
  rexec: [true, MOUNT_ATTR_NOEXEC],
  rnodiratime: [false, MOUNT_ATTR_NODIRATIME],
  rdiratime: [true, MOUNT_ATTR_NODIRATIME],
  rrelatime: [false, MOUNT_ATTR_RELATIME],
  rnorelatime: [true, MOUNT_ATTR_RELATIME],
  rnoatime: [false, MOUNT_ATTR_NOATIME],
  ratime: [true, MOUNT_ATTR_NOATIME],
  rstrictatime: [false, MOUNT_ATTR_STRICTATIME],
  rnostrictatime: [true, MOUNT_ATTR_STRICTATIME],
  rnosymfollow: [false, MOUNT_ATTR_NOSYMFOLLOW],
  rsymfollow: [true, MOUNT_ATTR_NOSYMFOLLOW],
};

/** Options that need MOUNT_ATTR_NOSYMFOLLOW (Linux 5.14), a step after mount_setattr itself (5.12). */
export const NOSYMFOLLOW_ATTRIBUTES = new Set(['rnosymfollow', 'rsymfollow']);

const ATIME_OPTIONS = new Set(['rrelatime', 'rnorelatime', 'rnoatime', 'ratime', 'rstrictatime', 'rnostrictatime']);

export interface RecursiveAttributes {
  /** struct mount_attr attr_set / attr_clr. */
  attrSet: number;
  attrClear: number;
  /** The options as given, with their JSON pointers (for errors about this kernel). */
  given: Array<{ option: string; at: string }>;
}

export function isRecursiveAttribute(option: string): boolean {
  return Object.prototype.hasOwnProperty.call(RECURSIVE_ATTRIBUTES, option);
}

/**
 * One option applied on top of the earlier ones, in order: a later `rrw` undoes an
 * earlier `rro`. The atime options are an enum (mount_setattr(2)): setting one clears
 * the whole field first (attr_clr gets MOUNT_ATTR__ATIME, as runc does) and replaces an
 * earlier one; clearing one (`ratime`, `rnostrictatime`) resets the field to the
 * kernel's default, relatime, instead of a partial field the kernel refuses (EINVAL);
 * `rnorelatime` changes nothing, as with runc (relatime is the value 0).
 */
export function addRecursiveAttribute(into: RecursiveAttributes, option: string, at: string): void {
  const [clear, attr] = RECURSIVE_ATTRIBUTES[option];
  into.given.push({ option, at });
  if (ATIME_OPTIONS.has(option)) {
    if (!clear) {
      into.attrSet = (into.attrSet & ~MOUNT_ATTR__ATIME) | attr;
      into.attrClear |= MOUNT_ATTR__ATIME;
    } else if (attr !== MOUNT_ATTR_RELATIME) {
      into.attrSet &= ~MOUNT_ATTR__ATIME;
      into.attrClear |= MOUNT_ATTR__ATIME;
    }
    return;
  }
  if (clear) {
    into.attrClear |= attr;
    into.attrSet &= ~attr;
  } else {
    into.attrSet |= attr;
    into.attrClear &= ~attr;
  }
}

/** What this kernel's mount_setattr(2) accepts (see mount-attributes-host.ts). */
export interface MountSetattrSupport {
  /** mount_setattr(2) exists (Linux 5.12). */
  supported: boolean;
  /** MOUNT_ATTR_NOSYMFOLLOW is accepted (Linux 5.14). */
  nosymfollow: boolean;
}

/** The recursive options this kernel can carry out, for `ocirt features`. */
export function supportedRecursiveAttributes(support: MountSetattrSupport): string[] {
  if (!support.supported) return [];
  return Object.keys(RECURSIVE_ATTRIBUTES).filter((o) => support.nosymfollow || !NOSYMFOLLOW_ATTRIBUTES.has(o));
}
