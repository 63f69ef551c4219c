import * as path from 'node:path';
import type { InitPlan, PlanMount } from '../plan/init-plan';
import { MS_BIND } from '../plan/mount-flags';
import type { MountFacts } from './criu-options';

/**
 * The container's external mounts, read off the plan its create compiled: every bind
 * (the config's, and the cgroup binds ocirt makes without a cgroup namespace) and every
 * device node. The plan is the one place these decisions live, so checkpoint and
 * restore see the mounts exactly as the init made them.
 */
export function mountFacts(plan: InitPlan): MountFacts {
  return {
    binds: plan.mounts.filter(isBind).map((m) => ({ destination: clean(m.destination), source: m.source })),
    devices: plan.devices.map((d) => clean(d.path)),
  };
}

function isBind(m: PlanMount): boolean {
  return m.fstype === '' && (m.flags & MS_BIND) !== 0;
}

function clean(p: string): string {
  return path.posix.normalize(`/${p}`);
}

/**
 * Mount points restore must find in the rootfs (CRIU mounts onto them but does not make
 * them): those of the plan's mounts that are not inside a tmpfs mount (CRIU restores a
 * tmpfs's content, mount points included) nor cgroup filesystems (under /sys).
 */
export function restoreMountPoints(plan: InitPlan): Array<{ destination: string; createAs: 'dir' | 'file' }> {
  const tmpfs = plan.mounts.filter((m) => m.fstype === 'tmpfs').map((m) => clean(m.destination));
  return plan.mounts
    .filter((m) => m.fstype !== 'cgroup' && m.fstype !== 'cgroup2')
    .map((m) => ({ destination: clean(m.destination), createAs: m.createAs }))
    .filter((m) => !tmpfs.some((t) => m.destination.startsWith(t === '/' ? '/' : `${t}/`) && m.destination !== t));
}
