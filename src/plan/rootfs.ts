import * as path from 'node:path';
import type { Spec } from '../spec/types';
import { MS_PRIVATE, MS_REC, MS_SLAVE } from './mount-flags';
import { PROPAGATION_OPTIONS } from './mount-options';
import { planError, pointer } from './plan-error';

export interface RootfsPlan {
  rootfs: string;
  rootPropagation: number;
  makeRootfsPrivate: boolean;
  noPivot: boolean;
  hideFsTypesOutsideRoot?: string[];
  readonlyRoot: boolean;
}

/** What --no-pivot hides of the host before the MS_MOVE, as runc: its proc and sysfs mounts. */
export const NO_PIVOT_HIDDEN_FS_TYPES = ['proc', 'sysfs'];

/** runc's default when linux.rootfsPropagation is absent (prepareRoot). */
export const DEFAULT_ROOT_PROPAGATION = MS_SLAVE | MS_REC;

/**
 * root and linux.rootfsPropagation → the rootfs part of the plan.
 *
 * What runc does (libcontainer/rootfs_linux.go, prepareRoot and after pivot):
 *  1. mount("", "/", rootPropagation or MS_SLAVE|MS_REC) in the new mount namespace;
 *  2. rootfsParentMountPropagation: the mount holding the rootfs (walking up to the
 *     nearest mount point) is made MS_SLAVE when rootPropagation has MS_SLAVE, else
 *     MS_PRIVATE, whatever the propagation asked for (shared included): pivot_root(2)
 *     fails when that mount is shared, and a shared parent would leak the rootfs bind
 *     mount back to the host;
 *  3. the rootfs is bind-mounted onto itself (MS_BIND|MS_REC), then pivot_root;
 *  4. for shared/unbindable (neither MS_PRIVATE nor MS_SLAVE), rootPropagation is
 *     applied again to the new "/".
 * With the boolean `makeRootfsPrivate` of the plan, step 2 is: false for rslave (step 1
 * already made every mount a slave or left it private, so runc's MS_SLAVE is a no-op),
 * true otherwise (for plain "slave" runc uses MS_SLAVE where we say private; the
 * difference only shows when the rootfs is itself a mount point).
 */
export function translateRootfs(spec: Spec, bundle: string, noPivot: boolean): RootfsPlan {
  if (!spec.root) throw planError(pointer('root'), 'root must be specified');
  let rootPropagation = DEFAULT_ROOT_PROPAGATION;
  const asked = spec.linux?.rootfsPropagation;
  if (asked !== undefined) {
    if (!Object.prototype.hasOwnProperty.call(PROPAGATION_OPTIONS, asked)) {
      throw planError(pointer('linux', 'rootfsPropagation'), `rootfsPropagation=${asked} is not supported`);
    }
    rootPropagation = PROPAGATION_OPTIONS[asked];
    if (noPivot && (rootPropagation & MS_PRIVATE) !== 0) {
      throw planError(pointer('linux', 'rootfsPropagation'), 'rootfsPropagation of [r]private is not safe without pivot_root');
    }
  }
  return {
    rootfs: path.posix.resolve(bundle, spec.root.path),
    rootPropagation,
    makeRootfsPrivate: rootPropagation !== (MS_SLAVE | MS_REC),
    noPivot,
    ...(noPivot ? { hideFsTypesOutsideRoot: [...NO_PIVOT_HIDDEN_FS_TYPES] } : {}),
    readonlyRoot: spec.root.readonly === true,
  };
}
