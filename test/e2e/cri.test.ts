// Kubernetes' CRI path: containerd 1.6's CRI plugin driven over its real socket by a
// gRPC client, as the kubelet drives it, with an `ocirt` runtime handler (what a
// RuntimeClass names) and `runc` as the control. Every scenario runs with both handlers
// in the same test: it fails when ocirt's result fails the assertions, and it says so
// separately when runc's does (then the harness, not ocirt, is wrong).
// Not covered: user-namespaced pods. containerd 1.6's CRI has no user namespace support
// (NamespaceOption.userns_options arrived with CRI v0.27 and containerd 1.7).
import * as fs from 'node:fs';
import * as os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, until } from './engines';
import { containerConfig, HANDLERS, logFile, logLines, podConfig, startCluster, type Cluster, type Handler } from './cri/cluster';
import type { Message } from './cri/client';
import { execStream } from './cri/exec-stream';
import { host } from '../helpers/host-capabilities';

const skip = missing(['containerd', 'ctr', 'containerd-shim-runc-v2', 'runc']) ?? host.overlayfs();

let cluster: Cluster;
const runtime = (method: string, request: Message, timeoutMs?: number) => cluster.cri.runtime(method, request, timeoutMs);

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

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { actual, expected } = err as Error & { actual?: unknown; expected?: unknown };
  if (actual === undefined && expected === undefined) return err.message;
  return `${err.message.split('\n')[0]}\n  actual:   ${JSON.stringify(actual)}\n  expected: ${JSON.stringify(expected)}`;
}

/** RunPodSandbox with the handler; returns the pod id and the config it was made with. */
async function runPod(handler: Handler, name: string, opts: Parameters<typeof podConfig>[2] = {}): Promise<{ id: string; config: Message }> {
  const config = podConfig(cluster, `${name}-${handler}`, opts);
  const reply = await runtime('RunPodSandbox', { config, runtimeHandler: handler });
  return { id: reply.podSandboxId, config };
}

async function removePod(id: string): Promise<void> {
  await runtime('StopPodSandbox', { podSandboxId: id });
  await runtime('RemovePodSandbox', { podSandboxId: id });
}

/** CreateContainer + StartContainer; returns the container id. */
async function startContainer(pod: { id: string; config: Message }, config: Message): Promise<string> {
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

// A main process that says it started, and on TERM says so and exits 0.
const TRAPS_TERM = ['sh', '-c', 'trap "echo got TERM; exit 0" TERM; echo started; while true; do sleep 0.1; done'];

describe.skipIf(skip !== undefined)(`CRI (containerd ${skip ? `skipped: ${skip}` : 'with ocirt and runc handlers'})`, () => {
  beforeAll(async () => {
    cluster = await startCluster();
    const version = await runtime('Version', { version: 'v1' });
    expect(version.runtimeApiVersion).toBe('v1');
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it('pod and container lifecycle: RunPodSandbox, Create/Start, ContainerStatus, ExecSync, StopContainer with a grace period, Remove', async () => {
    await withEachHandler(async (handler) => {
      const pod = await runPod(handler, 'life');
      const sandbox = (await runtime('PodSandboxStatus', { podSandboxId: pod.id })).status;
      expect(sandbox.state).toBe('SANDBOX_READY');
      expect(sandbox.runtimeHandler).toBe(handler);

      const id = await startContainer(pod, containerConfig(pod.config, 'main', TRAPS_TERM));
      const running = await state(id);
      expect(running.state).toBe('CONTAINER_RUNNING');
      expect(running.startedAt).toBeGreaterThan(0);
      expect(running.image.image).toContain('ocirt-e2e-busybox');
      expect(await until(() => logLines(logFile(pod.config, 'main')).includes('started'))).toBe(true);

      const exec = await execSync(id, ['sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3']);
      expect(exec).toEqual({ exitCode: 3, stdout: 'to-stdout\n', stderr: 'to-stderr\n' });
      const who = await execSync(id, ['sh', '-c', 'id -u; hostname; cat /proc/1/cmdline | tr "\\0" " "']);
      expect(who.stdout).toBe(`0\n${os.hostname()}\n${TRAPS_TERM.join(' ')} `);

      // The grace period: TERM first, and the process's own handler decides the exit.
      await runtime('StopContainer', { containerId: id, timeout: 20 }, 60_000);
      const stopped = await state(id);
      expect(stopped.state).toBe('CONTAINER_EXITED');
      expect(stopped.exitCode).toBe(0);
      expect(stopped.reason).toBe('Completed');
      expect(stopped.finishedAt).toBeGreaterThanOrEqual(stopped.startedAt);
      expect(logLines(logFile(pod.config, 'main'))).toContain('got TERM');

      await runtime('RemoveContainer', { containerId: id });
      await expect(runtime('ContainerStatus', { containerId: id })).rejects.toThrow(/not found|does not exist/);
      await removePod(pod.id);
      const pods = await runtime('ListPodSandbox', { filter: { id: pod.id } });
      expect(pods.items).toEqual([]);
    });
  });
});
