/**
 * The CRI calls the scenarios make, as the kubelet makes them, and the rule that runs a
 * scenario with every handler (ocirt, then runc as the control) and says which failed.
 */
import { HANDLERS, podConfig, type Cluster, type Handler } from './cluster';
import type { Message } from './client';

export interface Pod {
  id: string;
  config: Message;
}

/** cluster() is read at call time (the cluster starts in beforeAll); timeoutMs bounds each call. */
export function criSteps(cluster: () => Cluster, timeoutMs = 60_000) {
  const runtime = (method: string, request: Message, limit = timeoutMs) => cluster().cri.runtime(method, request, limit);

  /** Runs the scenario with every handler; fails naming each handler whose run failed. */
  async function withEachHandler(scenario: (handler: Handler) => Promise<void>): Promise<void> {
    const failures: string[] = [];
    for (const handler of HANDLERS) {
      try {
        await scenario(handler);
      } catch (err) {
        const what = handler === 'runc' ? 'runc (the control: the test itself is wrong)' : handler;
        failures.push(`with the ${what} handler: ${describeError(err)}`);
      }
    }
    if (failures.length > 0) throw new Error(failures.join('\n\n'));
  }

  /** RunPodSandbox with the handler; returns the pod id and the config it was made with. */
  async function runPod(handler: Handler, name: string, opts: Parameters<typeof podConfig>[2] = {}): Promise<Pod> {
    const config = podConfig(cluster(), `${name}-${handler}`, opts);
    const reply = await runtime('RunPodSandbox', { config, runtimeHandler: handler });
    return { id: reply.podSandboxId, config };
  }

  async function removePod(id: string): Promise<void> {
    await runtime('StopPodSandbox', { podSandboxId: id });
    await runtime('RemovePodSandbox', { podSandboxId: id });
  }

  /** CreateContainer + StartContainer; returns the container id. */
  async function startContainer(pod: Pod, config: Message): Promise<string> {
    const created = await runtime('CreateContainer', { podSandboxId: pod.id, config, sandboxConfig: pod.config });
    await runtime('StartContainer', { containerId: created.containerId });
    return created.containerId;
  }

  async function execSync(containerId: string, cmd: string[], timeout = 0): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const r = await runtime('ExecSync', { containerId, cmd, timeout });
    return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  }

  async function state(containerId: string): Promise<Message> {
    return (await runtime('ContainerStatus', { containerId })).status;
  }

  return { runtime, withEachHandler, runPod, removePod, startContainer, execSync, state };
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { actual, expected } = err as Error & { actual?: unknown; expected?: unknown };
  if (actual === undefined && expected === undefined) return err.message;
  return `${err.message.split('\n')[0]}\n  actual:   ${JSON.stringify(actual)}\n  expected: ${JSON.stringify(expected)}`;
}
