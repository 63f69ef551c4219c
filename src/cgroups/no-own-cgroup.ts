import { OcirtError } from '../native/error';
import type { CgroupLayout } from '../plan/plan-options';
import type { LinuxResources } from '../spec/types-resources';
import type { RecordCgroup } from '../state/record';
import type { ApplyContext, CgroupDriver } from './driver';
import { type CgroupStats, emptyStats } from './stats-types';
import type { SubCgroupPaths } from './sub-cgroup';

/** Why a container has no cgroup of its own, and what that means at create. */
export interface NoOwnCgroupReason {
  /** Completes "the container has no cgroup of its own (…)" in update and pause errors. */
  because: string;
  /** Warning for limits given anyway (without the pointer); none: limits pass silently. */
  limitsIgnored?: string;
}

const NO_LAYOUT: CgroupLayout = { version: 0, mounts: [], symlinks: [] };

/**
 * A container that stays in the caller's cgroups (a host without a cgroup filesystem,
 * `--cgroup-manager disabled`, a rootless container with nothing delegated): nothing is
 * made, limited, frozen, counted or removed. Recorded as driver "none". `layout` is what
 * a cgroup mount in the container shows (the caller's own cgroups, or nothing).
 */
export class NoOwnCgroup implements CgroupDriver {
  readonly kind = 'none' as const;
  readonly paths = {};

  constructor(
    private readonly reason: NoOwnCgroupReason,
    private readonly own: CgroupLayout = NO_LAYOUT,
  ) {}

  record(): RecordCgroup {
    return { driver: 'none', paths: {} };
  }
  layout(): CgroupLayout {
    return this.own;
  }
  create(resources: LinuxResources | undefined, ctx: ApplyContext = {}): void {
    const limited = resources && Object.keys(resources).some((k) => k !== 'devices');
    if (limited && this.reason.limitsIgnored) ctx.warn?.(`/linux/resources: ignored: ${this.reason.limitsIgnored}`);
  }
  rollback(): void {}
  update(): void {
    throw new OcirtError(`cannot update: the container has no cgroup of its own (${this.reason.because})`);
  }
  join(_pid: number, sub?: SubCgroupPaths): void {
    if (sub) throw new OcirtError(`--cgroup: the container has no cgroup of its own (${this.reason.because})`);
  }
  freeze(): void {
    throw new OcirtError(`cannot pause: the container has no cgroup of its own (${this.reason.because})`);
  }
  thaw(): void {}
  isFrozen(): boolean {
    return false;
  }
  // The caller's own cgroup: frozen, it would not be running this.
  frozenBy(): undefined {
    return undefined;
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
