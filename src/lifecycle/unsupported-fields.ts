import type { Spec } from '../spec/types';

/**
 * Fields of config.json this version of ocirt accepts but does not apply yet. Each is
 * reported as a warning on create, so a container never silently runs with less
 * confinement than its config asked for without the caller being told.
 */
export function unsupportedFields(spec: Spec): string[] {
  const found: string[] = [];
  const p = spec.process;
  const l = spec.linux;
  if (l?.seccomp) found.push('/linux/seccomp: seccomp is not applied yet; the container runs without a seccomp filter');
  if (p?.apparmorProfile) found.push('/process/apparmorProfile: AppArmor profiles are not applied yet');
  if (p?.selinuxLabel) found.push('/process/selinuxLabel: SELinux labels are not applied yet');
  if (l?.mountLabel) found.push('/linux/mountLabel: SELinux mount labels are not applied yet');
  if (p?.scheduler) found.push('/process/scheduler: scheduling policies are not applied yet');
  if (p?.ioPriority) found.push('/process/ioPriority: I/O priorities are not applied yet');
  if (p?.execCPUAffinity) found.push('/process/execCPUAffinity: CPU affinity is not applied yet');
  if (l?.personality) found.push('/linux/personality: personality is not applied yet');
  if (l?.intelRdt) found.push('/linux/intelRdt: Intel RDT is not applied yet');
  if (l?.netDevices && Object.keys(l.netDevices).length > 0) found.push('/linux/netDevices: moving network devices is not supported yet');
  if (l?.memoryPolicy) found.push('/linux/memoryPolicy: memory policies are not applied yet');
  if (p?.terminal) found.push('/process/terminal: terminals are not supported yet; the process gets the caller\'s stdio');
  return found;
}
