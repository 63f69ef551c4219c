/**
 * `exec`: the attributes the new process gets (src/plan/process-attributes.ts) with
 * the host facts they need gathered here: the container's seccomp filter compiled for
 * it, the container's personality and memory policy, and the exec'd process's own
 * scheduler, I/O priority and LSM labels, as runc's setns init applies them, and
 * its execCPUAffinity.
 */
import type { Process, Spec } from '../spec/types';
import { translateCpuAffinity } from './cpu-affinity';
import type { PlanProcessAttributes } from './init-plan';
import { gatherLsmFacts } from './lsm-host';
import { translateAttributes } from './process-attributes';
import { gatherSeccompFacts, nativeSeccompCompiler } from './seccomp-host';

export function compileExecAttributes(spec: Spec, process: Process): PlanProcessAttributes {
  const seccomp = spec.linux?.seccomp ? gatherSeccompFacts(spec.linux.seccomp) : undefined;
  const lsm = process.apparmorProfile || process.selinuxLabel ? gatherLsmFacts() : undefined;
  const attributes = translateAttributes(spec, process, { seccomp, lsm }, nativeSeccompCompiler());
  const cpuAffinity = translateCpuAffinity(process.execCPUAffinity);
  if (cpuAffinity) attributes.cpuAffinity = cpuAffinity;
  return attributes;
}
