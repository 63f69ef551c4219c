// Kubernetes' CRI path on a cgroup v2 host with systemd as PID 1, as most nodes are: the
// CRI cluster of test/e2e/cri.test.ts with SystemdCgroup = true on both handlers (the
// kubelet's systemd cgroup driver), in the test VM booted with systemd. Pods get slices,
// containers cri-containerd-<id>.scope units; ocirt and runc (the control) run the same
// scenario. Run by hand, not by npm test (its name is outside systemd-guest.test.ts's
// systemd*.test.ts): 3-10 minutes under TCG on a loaded 2-core host, which the systemd
// suite's shared 30-minute budget cannot spare:
//   node test/vm/run-in-vm.mjs --systemd -- test/vm-guest/cri-systemd.test.ts
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, until } from '../e2e/engines';
import { containerConfig, logFile, logLines, podCgroupParent, startCluster, type Cluster } from '../e2e/cri/cluster';
import { criSteps } from '../e2e/cri/steps';

const booted = fs.existsSync('/run/systemd/system');
const skip = !booted ? 'systemd is not PID 1: run it with node test/vm/run-in-vm.mjs --systemd' : missing(['containerd', 'ctr', 'containerd-shim-runc-v2', 'runc']);
// an emulated CPU: generous bounds for each CRI call
const CALL_MS = 300_000;

let cluster: Cluster;
const { runtime, withEachHandler, runPod, removePod, startContainer, execSync, state } = criSteps(() => cluster, CALL_MS);

function unit(name: string): Record<string, string> {
  const r = spawnSync('systemctl', ['show', name, '-p', 'LoadState', '-p', 'ActiveState', '-p', 'MemoryMax'], { encoding: 'utf8' });
  return Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe.skipIf(skip !== undefined)(`CRI with SystemdCgroup${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    cluster = await startCluster({ systemdCgroup: true, timeoutMs: CALL_MS });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('a pod slice and a container scope with its limits; UpdateContainerResources; ContainerStats; stop removes the scope', async () => {
    const MiB = 1024 * 1024;
    const readLimits = ['sh', '-c', 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max'];
    await withEachHandler(async (handler) => {
      const pod = await runPod(handler, 'sd');
      const slice = podCgroupParent(cluster, `sd-${handler}`);
      const id = await startContainer(
        pod,
        containerConfig(pod.config, 'main', ['sh', '-c', 'echo up; exec sleep 1000'], { linux: { resources: { memoryLimitInBytes: 96 * MiB, cpuPeriod: 100_000, cpuQuota: 150_000 } } }),
      );
      expect(await until(() => logLines(logFile(pod.config, 'main')).includes('up'), CALL_MS)).toBe(true);
      const scope = `cri-containerd-${id}.scope`;
      expect(unit(scope)).toEqual({ LoadState: 'loaded', ActiveState: 'active', MemoryMax: String(96 * MiB) });
      const info = JSON.parse((await runtime('ContainerStatus', { containerId: id, verbose: true })).info.info);
      const cgroup = fs.readFileSync(`/proc/${info.pid}/cgroup`, 'utf8');
      expect(cgroup).toBe(`0::/${cluster.cgroupParent}/${slice}/${scope}\n`);
      expect((await execSync(id, readLimits)).stdout).toBe(`${96 * MiB}\n150000 100000\n`);

      await runtime('UpdateContainerResources', { containerId: id, linux: { memoryLimitInBytes: 48 * MiB, cpuPeriod: 100_000, cpuQuota: 50_000 } });
      expect((await execSync(id, readLimits)).stdout).toBe(`${48 * MiB}\n50000 100000\n`);
      expect(unit(scope).MemoryMax).toBe(String(48 * MiB));

      const { stats } = await runtime('ContainerStats', { containerId: id });
      expect(stats.cpu.usageCoreNanoSeconds.value).toBeGreaterThan(0);
      expect(stats.memory.workingSetBytes.value).toBeGreaterThan(0);

      await runtime('StopContainer', { containerId: id, timeout: 0 });
      expect((await state(id)).state).toBe('CONTAINER_EXITED');
      await runtime('RemoveContainer', { containerId: id });
      expect(unit(scope).LoadState).toBe('not-found');
      await removePod(pod.id);
    });
  });
});
