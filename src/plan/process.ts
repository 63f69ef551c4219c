import type { Process } from '../spec/types';
import type { PlanProcess } from './init-plan';
import { translateCapabilities, type CapabilityOptions } from './capability-masks';
import { translateEnvironment } from './environment';
import { translateRlimits } from './rlimits';
import { planError, pointer } from './plan-error';

/** runc's umask when process.user.umask is absent (finalizeRootfs). */
export const DEFAULT_UMASK = 0o022;

/** process → PlanProcess. */
export function translateProcess(process: Process | undefined, capOptions: CapabilityOptions = {}): PlanProcess {
  if (!process) throw planError(pointer('process'), 'process is required to create a container');
  const args = process.args ?? [];
  if (args.length === 0 || args[0] === '') throw planError(pointer('process', 'args'), 'args must not be empty');
  const { env, searchPath } = translateEnvironment(process.env);
  const user = process.user ?? { uid: 0, gid: 0 };
  return {
    args: [...args],
    env,
    cwd: process.cwd,
    uid: user.uid ?? 0,
    gid: user.gid ?? 0,
    additionalGids: [...(user.additionalGids ?? [])],
    umask: user.umask ?? DEFAULT_UMASK,
    capabilities: translateCapabilities(process.capabilities, capOptions),
    rlimits: translateRlimits(process.rlimits),
    noNewPrivileges: process.noNewPrivileges === true,
    oomScoreAdj: process.oomScoreAdj ?? null,
    searchPath,
    createCwd: true,
  };
}

/**
 * For a process in a user namespace other than the runtime's: its rlimits are set by the
 * runtime with prlimit(2) (see PlanProcess.rlimitsByRuntime).
 */
export function markRlimitsByRuntime(process: PlanProcess): void {
  if (process.rlimits.length > 0) process.rlimitsByRuntime = true;
}
