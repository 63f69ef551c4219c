import { OcirtError } from '../native/error';
import type { CgroupLayout } from '../plan/plan-options';
import type { LinuxResources } from '../spec/types-resources';
import type { RecordCgroup } from '../state/record';
import { callerLayout } from '../rootless/skipped-cgroups';
import { callerCgroups } from './container-paths';
import type { ApplyContext, CgroupDriver } from './driver';
import type { HostHierarchy } from './host-hierarchies';
import { type CgroupStats, emptyStats } from './stats-types';

/**
 * `--cgroup-manager disabled`: the container makes no cgroup and stays in the caller's
 * (which a cgroup mount shows); limits are ignored with a warning. Recorded as "none".
 */
export class DisabledCgroups implements CgroupDriver {
  readonly kind = 'none' as const;
  readonly paths = {};
  private readonly own: CgroupLayout;

  constructor(hierarchies: readonly HostHierarchy[], caller = callerCgroups()) {
    this.own = callerLayout(hierarchies, caller);
  }

  record(): RecordCgroup {
    return { driver: 'none', paths: {} };
  }
  layout(): CgroupLayout {
    return this.own;
  }
  create(resources: LinuxResources | undefined, ctx: ApplyContext = {}): void {
    if (resources && Object.keys(resources).some((k) => k !== 'devices')) ctx.warn?.('/linux/resources: ignored: cgroups are disabled (--cgroup-manager disabled)');
  }
  rollback(): void {}
  update(): void {
    throw new OcirtError('cannot update: the container has no cgroup (created with --cgroup-manager disabled)');
  }
  join(): void {}
  freeze(): void {
    throw new OcirtError('cannot pause: the container has no cgroup (created with --cgroup-manager disabled)');
  }
  thaw(): void {}
  isFrozen(): boolean {
    return false;
  }
  killAll(): void {}
  pids(): number[] {
    return [];
  }
  stats(): CgroupStats {
    return emptyStats();
  }
  oomKills(): number | undefined {
    return undefined;
  }
  remove(): void {}
}
