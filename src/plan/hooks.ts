import type { Hook } from '../spec/types';
import type { PlanHook } from './init-plan';

/**
 * A config hook → PlanHook: args default to [path] (Go's exec.Cmd with empty Args),
 * env to `defaultEnv`, timeout to 0 (none).
 */
export function translateHook(hook: Hook, defaultEnv: readonly string[] = []): PlanHook {
  return {
    path: hook.path,
    args: hook.args && hook.args.length > 0 ? [...hook.args] : [hook.path],
    env: hook.env && hook.env.length > 0 ? [...hook.env] : [...defaultEnv],
    timeout: hook.timeout ?? 0,
  };
}

/**
 * The hooks the init runs itself. createContainer hooks without env get an empty
 * environment. startContainer hooks without env get the container process's
 * environment: runc does so (SetDefaultEnv, "a de facto historical thing").
 */
export function translateInitHooks(
  hooks: { createContainer?: Hook[]; startContainer?: Hook[] } | undefined,
  processEnv: readonly string[],
): { createContainer: PlanHook[]; startContainer: PlanHook[] } {
  return {
    createContainer: (hooks?.createContainer ?? []).map((h) => translateHook(h)),
    startContainer: (hooks?.startContainer ?? []).map((h) => translateHook(h, processEnv)),
  };
}
