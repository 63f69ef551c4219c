/**
 * The process attributes (PlanProcessAttributes) of the container's init and of an
 * `exec`'d process: process.scheduler, process.ioPriority, linux.personality,
 * linux.memoryPolicy, the LSM labels, and the container's seccomp filter, loaded
 * according to the process's own noNewPrivileges.
 */
import type { Process, Spec } from '../spec/types';
import type { PlanProcessAttributes } from './init-plan';
import { translateIoPriority } from './io-priority';
import { translateExecLabels } from './lsm';
import { translateMemoryPolicy } from './memory-policy';
import { translatePersonality } from './personality';
import type { HostFacts } from './plan-options';
import { translateScheduler } from './scheduler';
import { translateSeccomp } from './seccomp';
import type { SeccompCompiler } from './seccomp-host';

export function translateAttributes(
  spec: Spec,
  process: Process | undefined,
  host: Pick<HostFacts, 'lsm' | 'seccomp'>,
  compiler: SeccompCompiler | undefined,
): PlanProcessAttributes {
  const out: PlanProcessAttributes = {};
  const scheduler = translateScheduler(process?.scheduler);
  if (scheduler) out.scheduler = scheduler;
  const ioPriority = translateIoPriority(process?.ioPriority);
  if (ioPriority !== undefined) out.ioPriority = ioPriority;
  const personality = translatePersonality(spec.linux?.personality);
  if (personality !== undefined) out.personality = personality;
  const memoryPolicy = translateMemoryPolicy(spec.linux?.memoryPolicy);
  if (memoryPolicy) out.memoryPolicy = memoryPolicy;
  const execLabels = translateExecLabels(process, host.lsm);
  if (execLabels) out.execLabels = execLabels;
  const seccomp = translateSeccomp(spec.linux?.seccomp, { noNewPrivileges: process?.noNewPrivileges === true, host: host.seccomp, compiler });
  if (seccomp) out.seccomp = seccomp;
  return out;
}
