/**
 * process.apparmorProfile, process.selinuxLabel, linux.mountLabel. Each applies only on
 * a host where its module is enabled; asked for on a host without it, the config is
 * refused with what the host lacks (runc fails the same way, later).
 *
 * - AppArmor: "exec <profile>" written to the process's attr file; the profile takes
 *   effect at execve.
 * - SELinux: the label written to /proc/self/attr/exec (setexeccon); the mount label is
 *   the context= option of the filesystems the container mounts (not binds, proc,
 *   sysfs, mqueue or cgroup: runc's choice).
 */
import type { Linux, Process } from '../spec/types';
import type { PlanAttrWrite, PlanMount } from './init-plan';
import type { LsmHostFacts } from './lsm-host';
import { planError, pointer } from './plan-error';

const UNLABELLED_FSTYPES = new Set(['', 'proc', 'sysfs', 'mqueue', 'cgroup', 'cgroup2']);

export function translateExecLabels(process: Process | undefined, facts: LsmHostFacts | undefined): PlanAttrWrite[] | undefined {
  const writes: PlanAttrWrite[] = [];
  const profile = process?.apparmorProfile;
  if (profile) {
    if (!facts?.apparmor.enabled) {
      throw planError(pointer('process', 'apparmorProfile'), `AppArmor profile ${JSON.stringify(profile)} requested, but AppArmor is not enabled on this host (/sys/module/apparmor/parameters/enabled is not Y)`);
    }
    writes.push({ path: facts.apparmor.execAttr, value: `exec ${profile}` });
  }
  const label = process?.selinuxLabel;
  if (label) {
    if (!facts?.selinux.enabled) {
      throw planError(pointer('process', 'selinuxLabel'), `SELinux label ${JSON.stringify(label)} requested, but SELinux is not enabled on this host (no selinuxfs)`);
    }
    writes.push({ path: '/proc/self/attr/exec', value: label });
  }
  return writes.length > 0 ? writes : undefined;
}

/** The mounts with linux.mountLabel as their context= option. */
export function applyMountLabel(mounts: PlanMount[], linux: Linux | undefined, facts: LsmHostFacts | undefined): PlanMount[] {
  const label = linux?.mountLabel;
  if (!label) return mounts;
  if (!facts?.selinux.enabled) {
    throw planError(pointer('linux', 'mountLabel'), `SELinux mount label ${JSON.stringify(label)} requested, but SELinux is not enabled on this host (no selinuxfs)`);
  }
  const context = `context="${label}"`;
  return mounts.map((m) => {
    if (UNLABELLED_FSTYPES.has(m.fstype) || m.data.includes('context=')) return m;
    return { ...m, data: m.data ? `${m.data},${context}` : context };
  });
}
