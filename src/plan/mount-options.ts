import * as F from './mount-flags';
import { planError } from './plan-error';

/**
 * runc's table of mount options (libcontainer/specconv: mountFlags,
 * mountPropagationMapping, extensionFlags, complexFlags, recAttrFlags), turned into what
 * mount(2) needs. Options are applied in order: a later `rw` clears an earlier `ro`.
 */

/** [clear, flag]: `clear` options remove the flag (and are remembered as cleared). */
const FLAG_OPTIONS: Record<string, readonly [boolean, number]> = {
  async: [true, F.MS_SYNCHRONOUS],
  atime: [true, F.MS_NOATIME],
  bind: [false, F.MS_BIND],
  dev: [true, F.MS_NODEV],
  diratime: [true, F.MS_NODIRATIME],
  dirsync: [false, F.MS_DIRSYNC],
  exec: [true, F.MS_NOEXEC],
  iversion: [false, F.MS_I_VERSION],
  lazytime: [false, F.MS_LAZYTIME],
  loud: [true, F.MS_SILENT],
  mand: [false, F.MS_MANDLOCK],
  noatime: [false, F.MS_NOATIME],
  nodev: [false, F.MS_NODEV],
  nodiratime: [false, F.MS_NODIRATIME],
  noexec: [false, F.MS_NOEXEC],
  noiversion: [true, F.MS_I_VERSION],
  nolazytime: [true, F.MS_LAZYTIME],
  nomand: [true, F.MS_MANDLOCK],
  norelatime: [true, F.MS_RELATIME],
  nostrictatime: [true, F.MS_STRICTATIME],
  nosuid: [false, F.MS_NOSUID],
  nosymfollow: [false, F.MS_NOSYMFOLLOW],
  rbind: [false, F.MS_BIND | F.MS_REC],
  relatime: [false, F.MS_RELATIME],
  remount: [false, F.MS_REMOUNT],
  ro: [false, F.MS_RDONLY],
  rw: [true, F.MS_RDONLY],
  silent: [false, F.MS_SILENT],
  strictatime: [false, F.MS_STRICTATIME],
  suid: [true, F.MS_NOSUID],
  sync: [false, F.MS_SYNCHRONOUS],
  symfollow: [true, F.MS_NOSYMFOLLOW],
};

/** Propagation options: each becomes one mount(2) call after the mount. */
export const PROPAGATION_OPTIONS: Record<string, number> = {
  rprivate: F.MS_PRIVATE | F.MS_REC,
  private: F.MS_PRIVATE,
  rslave: F.MS_SLAVE | F.MS_REC,
  slave: F.MS_SLAVE,
  rshared: F.MS_SHARED | F.MS_REC,
  shared: F.MS_SHARED,
  runbindable: F.MS_UNBINDABLE | F.MS_REC,
  unbindable: F.MS_UNBINDABLE,
};

/**
 * runc-only options that are not kernel options and that ocirt accepts without acting
 * on them yet (they are reported in `unsupported`). tmpcopyup: copy the directory's
 * content into a fresh tmpfs mounted over it.
 */
const ACCEPTED_UNSUPPORTED = new Set(['tmpcopyup']);

/** runc's recursive mount attributes (mount_setattr(2), AT_RECURSIVE): refused for now. */
const RECURSIVE_ATTRIBUTES = new Set([
  'rro', 'rrw', 'rnosuid', 'rsuid', 'rnodev', 'rdev', 'rnoexec', 'rexec', 'rnodiratime',
  'rdiratime', 'rrelatime', 'rnorelatime', 'rnoatime', 'ratime', 'rstrictatime',
  'rnostrictatime', 'rnosymfollow', 'rsymfollow',
]);

const IDMAP_OPTIONS = new Set(['idmap', 'ridmap']);

export interface MountOptions {
  /** MS_* flags set by the options (MS_BIND|MS_REC for rbind). */
  flags: number;
  /** Flags explicitly cleared (rw, suid, dev...): a bind mount is remounted for them too. */
  clearedFlags: number;
  /** One value per propagation option, in order. */
  propagation: number[];
  /** The options that are not flags, joined with "," in order (filesystem data). */
  data: string;
  /** runc extension options accepted but not carried out yet (tmpcopyup). */
  unsupported: string[];
  /** idmap or ridmap was given. */
  idmap: boolean;
}

/**
 * Parses a mount's options. `at` is the JSON pointer of the options array, used in
 * errors. "defaults" is accepted and means nothing (runc would pass it on as data,
 * which the kernel refuses for most filesystems).
 */
export function parseMountOptions(options: readonly string[] | undefined, at: string): MountOptions {
  const result: MountOptions = { flags: 0, clearedFlags: 0, propagation: [], data: '', unsupported: [], idmap: false };
  const data: string[] = [];
  (options ?? []).forEach((option, i) => {
    if (hasOwn(FLAG_OPTIONS, option)) {
      const [clear, bits] = FLAG_OPTIONS[option];
      if (clear) {
        result.flags &= ~bits;
        result.clearedFlags |= bits;
      } else {
        result.flags |= bits;
        result.clearedFlags &= ~bits;
      }
    } else if (hasOwn(PROPAGATION_OPTIONS, option)) {
      result.propagation.push(PROPAGATION_OPTIONS[option]);
    } else if (ACCEPTED_UNSUPPORTED.has(option)) {
      result.unsupported.push(option);
    } else if (IDMAP_OPTIONS.has(option)) {
      result.idmap = true;
    } else if (RECURSIVE_ATTRIBUTES.has(option)) {
      throw planError(`${at}/${i}`, `recursive mount attribute "${option}" is not supported yet`);
    } else if (option !== 'defaults') {
      data.push(option);
    }
  });
  result.data = data.join(',');
  return result;
}

function hasOwn(table: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, key);
}

/** Whether a spec mount is a bind mount: type "bind", or a bind/rbind option, whatever the type. */
export function isBindMount(type: string | undefined, options: MountOptions): boolean {
  return type === 'bind' || (options.flags & F.MS_BIND) !== 0;
}

/**
 * The flags of the MS_REMOUNT|MS_BIND call that applies a bind mount's options, or 0
 * when none is needed. As runc: remount when any flag other than bind/rec/remount is
 * set, or when a flag was explicitly cleared (`rw` on a bind of a read-only mount).
 */
export function bindRemountFlags(options: MountOptions): number {
  const own = options.flags & ~(F.MS_BIND | F.MS_REC | F.MS_REMOUNT);
  if (own === 0 && options.clearedFlags === 0) return 0;
  return F.MS_REMOUNT | F.MS_BIND | own;
}

/** The mount options ocirt applies, for `ocirt features` (not tmpcopyup, the r* attributes or idmap). */
export function knownMountOptions(): string[] {
  return [...Object.keys(FLAG_OPTIONS), ...Object.keys(PROPAGATION_OPTIONS)].sort();
}
