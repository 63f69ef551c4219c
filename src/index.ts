/**
 * ocirt as a library: {@link Runtime} runs the whole container lifecycle in-process,
 * typed and async, with the CLI's code.
 *
 * ```ts
 * import { Runtime } from 'ocirt';
 * const rt = new Runtime({ root: '/run/my-app', subreaper: true });
 * const { exitCode, stdout } = await rt.run('hello', { bundle: '/srv/bundle', stdio: ['ignore', 'pipe', 'inherit'] });
 * ```
 *
 * The lower-level functions below are what the CLI's commands call, one per verb.
 *
 * @packageDocumentation
 */
export { Runtime } from './runtime/runtime';
export type {
  RuntimeOptions,
  CreateContainerOptions,
  Container,
  RunContainerOptions,
  RunResult,
  ExecProcessSpec,
  ExecOptions,
  ExecHandle,
  KillOptions,
  DeleteOptions,
  EventsOptions,
  ProcessStreams,
} from './runtime/types';
export { exitCodeOf, type ExitStatus } from './lifecycle/process-exit';
export type { StdioSlot } from './lifecycle/stdio';
export type { ContainerEvent } from './lifecycle/events';
export type { CgroupStats } from './cgroups/stats-types';
export type { CgroupManager } from './cgroups/select-driver';
export type { StateOutput, LiveStatus } from './state/status';
export type { BundleReport } from './lifecycle/bundle';
export type * from './spec/types-resources';
export type { IntelRdtSchemaUpdate } from './lifecycle/intel-rdt-update';
export type { DefaultConfigOptions } from './spec/default-config';

export { createContainer, type CreateOptions } from './lifecycle/create';
export { startContainer } from './lifecycle/start';
export { killContainer } from './lifecycle/kill';
export { deleteContainer } from './lifecycle/delete';
export { runContainer, runToExit, type RunOptions } from './lifecycle/run';
export { listContainers, type ListEntry } from './lifecycle/list';
export { validateBundle } from './lifecycle/validate-bundle';
export { parseSignal, signalName } from './lifecycle/signals';
export { parseConfig, validateConfig, formatProblems, type ConfigProblem, type ConfigResult } from './spec/validate';
export type * from './spec/types';
export { defaultConfig } from './spec/default-config';
export { compilePlan } from './plan/from-spec';
export type { InitPlan } from './plan/init-plan';
export { OcirtError, isOcirtError, type SysErrorInfo } from './native/error';
export { defaultRoot } from './state/store';
export type { ContainerRecord } from './state/record';

import { loadContainer } from './lifecycle/container';
import { stateOutput, type StateOutput } from './state/status';

/** What `ocirt state` prints, as an object. */
export function containerState(root: string, id: string): StateOutput {
  const { record, status } = loadContainer(root, id);
  return stateOutput(record, status);
}
