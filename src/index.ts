/**
 * The library API: typed, async, the same functions the CLI calls.
 *
 *   import { createContainer, startContainer, containerState } from 'ocirt';
 */
export { createContainer, type CreateOptions } from './lifecycle/create';
export { startContainer } from './lifecycle/start';
export { killContainer } from './lifecycle/kill';
export { deleteContainer } from './lifecycle/delete';
export { runContainer } from './lifecycle/run';
export { listContainers, type ListEntry } from './lifecycle/list';
export { validateBundle } from './lifecycle/validate-bundle';
export { parseSignal, signalName } from './lifecycle/signals';
export { parseConfig, validateConfig, formatProblems, type ConfigProblem, type ConfigResult } from './spec/validate';
export type { Spec } from './spec/types';
export { compilePlan } from './plan/from-spec';
export type { InitPlan } from './plan/init-plan';
export { OcirtError } from './native/error';
export { defaultRoot } from './state/store';
export type { ContainerRecord } from './state/record';

import { loadContainer } from './lifecycle/container';
import { stateOutput, type StateOutput } from './state/status';

/** What `ocirt state` prints, as an object. */
export function containerState(root: string, id: string): StateOutput {
  const { record, status } = loadContainer(root, id);
  return stateOutput(record, status);
}
