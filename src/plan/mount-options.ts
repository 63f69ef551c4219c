import * as F from './mount-flags';
import { addRecursiveAttribute, isRecursiveAttribute, type RecursiveAttributes } from './recursive-attributes';

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

/** runc's extension: a tmpfs that starts with a copy of the directory it covers. */
const TMPCOPYUP = 'tmpcopyup';

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
  /** tmpcopyup was given. */
  tmpcopyup: boolean;
  /** The recursive attributes (rro, rnosuid...; recursive-attributes.ts), null when none. */
  recursive: RecursiveAttributes | null;
  /** idmap or ridmap was given. */
  idmap: boolean;
}

/**
 * Parses a mount's options. `at` is the JSON pointer of the options array, used in
 * errors. "defaults" is accepted and means nothing (runc would pass it on as data,
 * which the kernel refuses for most filesystems).
 */
export function parseMountOptions(options: readonly string[] | undefined, at: string): MountOptions {
  const result: MountOptions = {
    flags: 0, clearedFlags: 0, propagation: [], data: '', tmpcopyup: false, recursive: null, idmap: false,
  };
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
    } else if (option === TMPCOPYUP) {
      result.tmpcopyup = true;
    } else if (IDMAP_OPTIONS.has(option)) {
      result.idmap = true;
    } else if (isRecursiveAttribute(option)) {
      result.recursive ??= { attrSet: 0, attrClear: 0, given: [] };
      addRecursiveAttribute(result.recursive, option, `${at}/${i}`);
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

/**
 * The mount options ocirt applies whatever the kernel, for `ocirt features`; the
 * recursive attributes depend on the kernel (supportedRecursiveAttributes), idmap is
 * not here.
 */
export function knownMountOptions(): string[] {
  return [...Object.keys(FLAG_OPTIONS), ...Object.keys(PROPAGATION_OPTIONS), TMPCOPYUP].sort();
}
