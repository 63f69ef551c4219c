// Kubernetes' CRI path: containerd 1.6's CRI plugin driven over its real socket by a
// gRPC client, as the kubelet drives it, with an `ocirt` runtime handler (what a
// RuntimeClass names) and `runc` as the control. Every scenario runs with both handlers
// in the same test: it fails when ocirt's result fails the assertions, and it says so
// separately when runc's does (then the harness, not ocirt, is wrong).
// Not covered: user-namespaced pods. containerd 1.6's CRI has no user namespace support
// (NamespaceOption.userns_options arrived with CRI v0.27 and containerd 1.7).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, run, until, which } from './engines';
import { containerConfig, logFile, logLines, startCluster, type Cluster } from './cri/cluster';
import { criSteps } from './cri/steps';
import type { Message } from './cri/client';
import { execStream } from './cri/exec-stream';
import { host } from '../helpers/host-capabilities';

const skip = missing(['containerd', 'ctr', 'containerd-shim-runc-v2', 'runc']) ?? host.staticCc() ?? host.busybox() ?? host.overlayfs();

const OCIRT = path.resolve(__dirname, '../../bin/ocirt');
let cluster: Cluster;
const { runtime, withEachHandler, runPod, removePod, startContainer, execSync, state } = criSteps(() => cluster);

// A main process that says it started, and on TERM says so and exits 0.
const TRAPS_TERM = ['sh', '-c', 'trap "echo got TERM; exit 0" TERM; echo started; while true; do sleep 0.1; done'];

// Each test does its scenario twice (ocirt, then runc), each with a pod of its own.
describe.skipIf(skip !== undefined)(`CRI (containerd ${skip ? `skipped: ${skip}` : 'with ocirt and runc handlers'})`, { timeout: 180_000 }, () => {
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
      // the handler's own binary runs it: its state under the handler's runtime root
      const st = run(handler === 'ocirt' ? OCIRT : which('runc')!, ['--root', path.join(cluster.containerd.dir, `${handler}-root`, 'k8s.io'), 'state', id]);
      expect(st.status, st.stderr).toBe(0);
      expect(JSON.parse(st.stdout)).toMatchObject({ id, status: 'running' });
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

  it('Exec with a tty through the streaming server: a shell on a terminal of the requested size, its exit status', async () => {
    await withEachHandler(async (handler) => {
      const pod = await runPod(handler, 'tty');
      const id = await startContainer(pod, containerConfig(pod.config, 'main', ['sleep', '1000']));
      const { url } = await runtime('Exec', { containerId: id, cmd: ['sh'], tty: true, stdin: true, stdout: true, stderr: false });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/exec\//);
      const session = await execStream(url, {
        resize: { width: 101, height: 33 },
        input: [{ after: '# ', data: 'stty size; tty; echo "in-$((6*7))"; exit 5\r' }],
      });
      expect(session.stdout).toContain('33 101');
      expect(session.stdout).toMatch(/\/dev\/pts\/\d+/);
      expect(session.stdout).toContain('in-42');
      expect(session.exitCode, JSON.stringify(session.status)).toBe(5);
      // without a tty: separate streams and a zero status
      const plain = await runtime('Exec', { containerId: id, cmd: ['sh', '-c', 'echo out; echo err >&2; tty || true'], stdout: true, stderr: true });
      const quiet = await execStream(plain.url);
      expect(quiet).toMatchObject({ stdout: 'out\nnot a tty\n', stderr: 'err\n', exitCode: 0 });
      await removePod(pod.id);
    });
  });

  it('ContainerStats: the container\'s own CPU and memory usage', async () => {
    await withEachHandler(async (handler) => {
      const pod = await runPod(handler, 'stats');
      const id = await startContainer(pod, containerConfig(pod.config, 'main', ['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo busy-done; exec sleep 1000']));
      expect(await until(() => logLines(logFile(pod.config, 'main')).includes('busy-done'))).toBe(true);
      const { stats } = await runtime('ContainerStats', { containerId: id });
      expect(stats.attributes.id).toBe(id);
      expect(stats.attributes.metadata.name).toBe('main');
      expect(stats.cpu.timestamp).toBeGreaterThan(0);
      expect(stats.cpu.usageCoreNanoSeconds.value).toBeGreaterThan(1_000_000);
      expect(stats.memory.workingSetBytes.value).toBeGreaterThan(0);
      const list = await runtime('ListContainerStats', { filter: { podSandboxId: pod.id } });
      expect(list.stats.map((s: Message) => s.attributes.id)).toEqual([id]);
      await removePod(pod.id);
    });
  });

  it('UpdateContainerResources: new memory and CPU limits, read back inside the container', async () => {
    // cgroup v1 (this host) or v2 (the VM): the container's own cgroup files as it sees them
    const readLimits = [
      'sh',
      '-c',
      'if [ -f /sys/fs/cgroup/cgroup.controllers ]; then cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max; ' +
        'else cat /sys/fs/cgroup/memory/memory.limit_in_bytes; echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"; fi',
    ];
    await withEachHandler(async (handler) => {
      const pod = await runPod(handler, 'update');
      const id = await startContainer(
        pod,
        containerConfig(pod.config, 'main', ['sleep', '1000'], { linux: { resources: { memoryLimitInBytes: 128 * 1024 * 1024, cpuPeriod: 100_000, cpuQuota: 200_000, cpuShares: 1024 } } }),
      );
      expect((await execSync(id, readLimits)).stdout).toBe(`${128 * 1024 * 1024}\n200000 100000\n`);
      await runtime('UpdateContainerResources', { containerId: id, linux: { memoryLimitInBytes: 64 * 1024 * 1024, cpuPeriod: 100_000, cpuQuota: 50_000, cpuShares: 512 } });
      expect((await execSync(id, readLimits)).stdout).toBe(`${64 * 1024 * 1024}\n50000 100000\n`);
      await removePod(pod.id);
    });
  });

  it('ReopenContainerLog: after the log is rotated away, new output goes to a new file', async () => {
    const numbers = (file: string) => logLines(file).map((l) => Number(/^line-(\d+)$/.exec(l)?.[1]));
    await withEachHandler(async (handler) => {
      const pod = await runPod(handler, 'logs');
      const id = await startContainer(pod, containerConfig(pod.config, 'main', ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.1; done']));
      const log = logFile(pod.config, 'main');
      expect(await until(() => logLines(log).length >= 3)).toBe(true);
      fs.renameSync(log, `${log}.1`);
      await runtime('ReopenContainerLog', { containerId: id });
      expect(await until(() => logLines(log).length >= 3)).toBe(true);
      const before = numbers(`${log}.1`);
      const after = numbers(log);
      expect(after.every((n) => Number.isInteger(n))).toBe(true);
      expect(after[0]).toBeGreaterThan(before[before.length - 1]);
      await runtime('StopContainer', { containerId: id, timeout: 0 });
      await removePod(pod.id);
    });
  });

  it('a pod of two containers sharing the pod\'s pid and IPC namespaces (and the host network)', async () => {
    const ns = (id: string) => execSync(id, ['sh', '-c', 'for n in pid ipc net; do readlink /proc/self/ns/$n; done']);
    await withEachHandler(async (handler) => {
      const pod = await runPod(handler, 'shared', { pid: 'POD', ipc: 'POD' });
      const a = await startContainer(pod, containerConfig(pod.config, 'a', ['sh', '-c', 'echo from-a > /dev/shm/note; echo wrote; exec sleep 1001']));
      const b = await startContainer(pod, containerConfig(pod.config, 'b', ['sleep', '1002']));
      expect(await until(() => logLines(logFile(pod.config, 'a')).includes('wrote'))).toBe(true);
      const [nsA, nsB] = [await ns(a), await ns(b)];
      expect(nsA.exitCode, nsA.stderr).toBe(0);
      expect(nsB.stdout).toBe(nsA.stdout);
      const [pidNs, , netNs] = nsA.stdout.trim().split('\n');
      expect(pidNs).not.toBe(fs.readlinkSync('/proc/self/ns/pid'));
      expect(netNs).toBe(fs.readlinkSync('/proc/self/ns/net'));
      // the pause process is the pod's init; each container sees the other's process
      expect((await execSync(b, ['cat', '/proc/1/cmdline'])).stdout).toBe('/pause\0');
      const ps = (await execSync(b, ['ps', '-o', 'args'])).stdout;
      expect(ps).toContain('sleep 1001');
      expect(ps).toContain('sleep 1002');
      const note = await execSync(b, ['cat', '/dev/shm/note']);
      expect(note).toEqual({ exitCode: 0, stdout: 'from-a\n', stderr: '' });
      // StopPodSandbox stops both containers
      await runtime('StopPodSandbox', { podSandboxId: pod.id });
      for (const c of [a, b]) expect((await state(c)).state).toBe('CONTAINER_EXITED');
      await runtime('RemovePodSandbox', { podSandboxId: pod.id });
      const left = await runtime('ListContainers', { filter: { podSandboxId: pod.id } });
      expect(left.containers).toEqual([]);
    });
  });

  it('a liveness-style probe loop: 20 ExecSync probes, a failing one, a timed-out one, nothing left behind', async () => {
    await withEachHandler(async (handler) => {
      const pod = await runPod(handler, 'probe');
      const id = await startContainer(pod, containerConfig(pod.config, 'main', ['sh', '-c', 'touch /tmp/healthy; echo ready; exec sleep 1000']));
      expect(await until(() => logLines(logFile(pod.config, 'main')).includes('ready'))).toBe(true);
      const codes: number[] = [];
      for (let i = 0; i < 20; i++) codes.push((await execSync(id, ['test', '-f', '/tmp/healthy'], 5)).exitCode);
      expect(codes).toEqual(Array(20).fill(0));
      await execSync(id, ['rm', '/tmp/healthy']);
      expect(await execSync(id, ['test', '-f', '/tmp/healthy'], 5)).toEqual({ exitCode: 1, stdout: '', stderr: '' });
      await expect(execSync(id, ['sleep', '30'], 1)).rejects.toThrow(/ExecSync failed: .*timeout/);
      // no probe is left running or unreaped: the main process and ps alone
      const ps = (await execSync(id, ['ps', '-o', 'pid,stat,args'])).stdout.trim().split('\n').slice(1);
      expect(ps.map((l) => l.trim().split(/\s+/).slice(2).join(' '))).toEqual(['sleep 1000', 'ps -o pid,stat,args']);
      expect((await state(id)).state).toBe('CONTAINER_RUNNING');
      await removePod(pod.id);
    });
  });

  it('a container whose command does not exist: StartContainer fails with the runtime\'s own error line', async () => {
    await withEachHandler(async (handler) => {
      const pod = await runPod(handler, 'nocmd');
      const created = await runtime('CreateContainer', { podSandboxId: pod.id, config: containerConfig(pod.config, 'main', ['/no/such-program']), sandboxConfig: pod.config });
      const failed = await runtime('StartContainer', { containerId: created.containerId }).then(
        () => 'started',
        (err: Error) => err.message,
      );
      expect(failed).toMatch(/^CRI RuntimeService\.StartContainer failed: .*exec: "\/no\/such-program": stat \/no\/such-program: no such file or directory/);
      expect(await state(created.containerId)).toMatchObject({ state: 'CONTAINER_EXITED', reason: 'StartError' });
      await removePod(pod.id);
    });
  });
});
