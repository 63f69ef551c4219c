import { spawn } from 'node:child_process';
import { OcirtError } from '../native/error';
import type { Hook } from '../state/record';
import { describeSignal } from '../util/signal-description';

export type HookKind = 'prestart' | 'createRuntime' | 'poststart' | 'poststop';

/** The state a hook reads on its stdin (runtime-spec "state"). */
export interface HookState {
  ociVersion: string;
  id: string;
  status: string;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/**
 * Runs one hook in the runtime's namespaces: argv and env exactly as configured (no
 * variable of ours), the state JSON on stdin, its output on our stderr (stdout belongs
 * to the engine), killed when its timeout passes.
 */
export function runHook(kind: HookKind, hook: Hook, state: HookState, index = 0): Promise<void> {
  // runc's wording ("error running hook #N"), which scripts and tests grep for, with the kind and path.
  const what = `error running hook #${index} (${kind} ${hook.path})`;
  const args = hook.args && hook.args.length > 0 ? hook.args : [hook.path];
  const env: Record<string, string> = {};
  for (const e of hook.env ?? []) {
    const eq = e.indexOf('=');
    if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return new Promise((resolve, reject) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(hook.path, args.slice(1), { argv0: args[0], env, stdio: ['pipe', 2, 2] });
    } catch (err) {
      reject(OcirtError.fromNode(what, err));
      return;
    }
    let timedOut = false;
    const timer =
      hook.timeout && hook.timeout > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, hook.timeout * 1000)
        : undefined;
    child.stdin!.on('error', () => {});
    child.stdin!.end(JSON.stringify(state));
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(OcirtError.fromNode(what, err));
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) reject(new OcirtError(`${what}: timed out after ${hook.timeout}s`, { stage: kind }));
      else if (code === 0) resolve();
      else reject(new OcirtError(`${what}: ${signal ? `killed by signal ${describeSignal(signal)}` : `exit status ${code}`}`, { stage: kind }));
    });
  });
}

/** Runs hooks in order; the first failure stops the rest and is thrown. */
export async function runHooks(kind: HookKind, hooks: Hook[], state: HookState, debug?: (m: string) => void): Promise<void> {
  for (const [i, h] of hooks.entries()) {
    debug?.(`hook: running ${kind} hook #${i} ${h.path} ${JSON.stringify(h.args ?? [])}`);
    await runHook(kind, h, state, i);
  }
}

/**
 * poststop failures do not fail the command (runtime-spec): each is reported as a
 * warning and the remaining hooks still run.
 */
export async function runHooksWarning(
  kind: HookKind,
  hooks: Hook[],
  state: HookState,
  warn: (msg: string) => void,
  debug?: (m: string) => void,
): Promise<void> {
  for (const [i, h] of hooks.entries()) {
    debug?.(`hook: running ${kind} hook #${i} ${h.path} ${JSON.stringify(h.args ?? [])}`);
    try {
      await runHook(kind, h, state, i);
    } catch (err) {
      warn((err as Error).message);
    }
  }
}
