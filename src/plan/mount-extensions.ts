import type { Mount } from '../spec/types';
import type { PlanMount } from './init-plan';
import type { MountOptions } from './mount-options';
import { planError } from './plan-error';
import { type MountSetattrSupport, NOSYMFOLLOW_ATTRIBUTES } from './recursive-attributes';

/**
 * The parts of a mount that are not one mount(2) call: the recursive attributes (rro,
 * rnosuid...) and tmpcopyup. `planned` are the PlanMounts made for the spec mount at
 * `at` (several for a cgroup v1 mount); the first one is the mount at the destination,
 * the others lie under it.
 */
export function addMountExtensions(
  planned: PlanMount[],
  m: Mount,
  options: MountOptions,
  support: MountSetattrSupport | undefined,
  at: string,
): void {
  const top = planned[0];
  if (!top) return;
  if (options.tmpcopyup) {
    if (top.fstype !== 'tmpfs' || planned.length > 1) {
      throw planError(`${at}/options/${(m.options ?? []).indexOf('tmpcopyup')}`, 'tmpcopyup can be used only with a tmpfs mount');
    }
    top.copyUp = { rootOwner: !/(^|,)(uid|gid)=/.test(top.data) };
  }
  const recursive = options.recursive;
  if (!recursive) return;
  checkKernelSupport(recursive.given, support);
  top.recursiveAttributes = {
    attrSet: recursive.attrSet,
    attrClear: recursive.attrClear,
    // A tmpfs gets its submounts from later mounts (cgroup v1's tmpfs: the hierarchies):
    // the attributes reach them at the end of the set-up, as `ro` on a tmpfs does.
    afterSetup: top.fstype === 'tmpfs',
  };
}

function checkKernelSupport(given: Array<{ option: string; at: string }>, support: MountSetattrSupport | undefined): void {
  if (!support) return;
  const first = given[0];
  if (!support.supported && first) {
    throw planError(first.at, `recursive mount attribute "${first.option}" needs mount_setattr(2) (Linux 5.12), which this kernel lacks`);
  }
  const nosymfollow = given.find((g) => NOSYMFOLLOW_ATTRIBUTES.has(g.option));
  if (!support.nosymfollow && nosymfollow) {
    throw planError(
      nosymfollow.at,
      `recursive mount attribute "${nosymfollow.option}" needs MOUNT_ATTR_NOSYMFOLLOW (Linux 5.14), which this kernel refuses`,
    );
  }
}
