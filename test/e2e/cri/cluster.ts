/**
 * The kubelet's side of the CRI path, minus the kubelet: a private containerd with its CRI
 * plugin, two runtime handlers (RuntimeClass handlers, in Kubernetes' words) of type
 * io.containerd.runc.v2 — `ocirt` (BinaryName = this checkout's bin/ocirt) and `runc`, the
 * control — each with its own runtime root, a locally built pause image as the sandbox
 * image and a busybox image, both imported into the k8s.io namespace. Pods use the host
 * network (namespace mode NODE): containerd 1.6 only calls CNI for pods with a network
 * namespace of their own, so no CNI plugin or config is needed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run, which } from '../engines';
import { startContainerd, type PrivateContainerd } from '../private-containerd';
import { criClient, type CriClient, type Message } from './client';
import { BUSYBOX_IMAGE, importCriImages, PAUSE_IMAGE } from './images';

export const HANDLERS = ['ocirt', 'runc'] as const;
export type Handler = (typeof HANDLERS)[number];

export interface Cluster {
  containerd: PrivateContainerd;
  cri: CriClient;
  /** The pods' cgroup parent: a cgroupfs path, or with systemdCgroup a slice (removed at the end). */
  cgroupParent: string;
  systemdCgroup: boolean;
  logs: string;
  stop(): Promise<void>;
}

const TASKS = 'io.containerd.runtime.v2.task/k8s.io';

/**
 * systemdCgroup: the handlers' SystemdCgroup option (the shim then passes --systemd-cgroup
 * and "slice:cri-containerd:<id>" cgroupsPaths), as on a kubelet with the systemd driver.
 */
export async function startCluster(opts: { systemdCgroup?: boolean; timeoutMs?: number } = {}): Promise<Cluster> {
  const systemdCgroup = opts.systemdCgroup ?? false;
  const ocirt = path.resolve(__dirname, '../../../bin/ocirt');
  const runc = which('runc')!;
  const section = (dir: string) => {
    const handler = (name: string, binary: string) => [
      `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${name}]`,
      '  runtime_type = "io.containerd.runc.v2"',
      `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${name}.options]`,
      `  BinaryName = "${binary}"`,
      `  Root = "${path.join(dir, `${name}-root`)}"`,
      `  SystemdCgroup = ${systemdCgroup}`,
    ];
    return [
      '[plugins."io.containerd.grpc.v1.cri"]',
      `  sandbox_image = "${PAUSE_IMAGE}"`,
      '  stream_server_address = "127.0.0.1"',
      '  stream_server_port = "0"',
      '  disable_apparmor = true',
      '  enable_selinux = false',
      // the pause container asks for -998; without CAP_SYS_RESOURCE (this host's sessions
      // lack it) no runtime may lower a score: clamp to containerd's own, as rootless setups do
      '  restrict_oom_score_adj = true',
      '[plugins."io.containerd.grpc.v1.cri".cni]',
      `  bin_dir = "${path.join(dir, 'cni-bin')}"`,
      `  conf_dir = "${path.join(dir, 'cni-conf')}"`,
      '[plugins."io.containerd.grpc.v1.cri".containerd]',
      '  snapshotter = "overlayfs"',
      '  default_runtime_name = "runc"',
      ...handler('runc', runc),
      ...handler('ocirt', ocirt),
    ].join('\n');
  };
  const containerd = await startContainerd('ocirt-e2e-cri-', { cri: section, timeoutMs: opts.timeoutMs });
  const logs = path.join(containerd.dir, 'pod-logs');
  fs.mkdirSync(logs);
  try {
    importCriImages(containerd, path.join(containerd.dir, 'images'));
  } catch (err) {
    await containerd.stop();
    throw err;
  }
  const cri = criClient(containerd.address, (message) => runtimeErrors(containerd, message));
  const cgroupParent = systemdCgroup ? `ocirt_e2e_cri_${process.pid}.slice` : `/ocirt-e2e-cri-${process.pid}`;
  return {
    containerd,
    cri,
    cgroupParent,
    systemdCgroup,
    logs,
    stop: async () => {
      try {
        const pods = await cri.runtime('ListPodSandbox', {});
        for (const pod of pods.items) {
          await cri.runtime('StopPodSandbox', { podSandboxId: pod.id }).catch(() => undefined);
          await cri.runtime('RemovePodSandbox', { podSandboxId: pod.id }).catch(() => undefined);
        }
      } finally {
        cri.close();
        await containerd.stop();
        if (systemdCgroup) run('systemctl', ['stop', cgroupParent]);
        else removeCgroups(cgroupParent);
      }
    },
  };
}

/**
 * Every error-level line that a runtime wrote to a shim's log.json (the shim passes
 * `--log <bundle>/log.json --log-format json`), with the task id, plus containerd's last
 * error line about a shim or runtime: what a failed CRI call adds to its message, less
 * what the message already says (containerd often quotes the runtime's line itself).
 */
export function runtimeErrors(containerd: PrivateContainerd, message = ''): string {
  const lines: string[] = [];
  const tasks = path.join(containerd.state, TASKS);
  for (const id of safeList(tasks)) {
    const text = safeRead(path.join(tasks, id, 'log.json'));
    for (const line of text.split('\n').filter(Boolean)) {
      try {
        const entry = JSON.parse(line) as { level?: string; msg?: string };
        if ((entry.level === 'error' || entry.level === 'fatal') && !message.includes(entry.msg ?? '')) lines.push(`runtime log.json of ${id.slice(0, 12)}: ${entry.msg}`);
      } catch {
        lines.push(`runtime log.json of ${id.slice(0, 12)}: ${line}`);
      }
    }
  }
  const daemon = safeRead(containerd.log)
    .split('\n')
    .filter((l) => /level=error/.test(l) && /shim|runtime|OCI/.test(l) && !/copy shim log/.test(l))
    .slice(-1)
    .filter((l) => !message || !l.includes(message.slice(0, 80)));
  return [...lines, ...daemon.map((l) => `containerd: ${l}`)].join('\n');
}

/** The pod config the tests share: host network, the given pid/ipc modes. */
export function podConfig(cluster: Cluster, name: string, opts: { pid?: 'POD' | 'CONTAINER'; ipc?: 'POD' | 'NODE' } = {}): Message {
  const logDirectory = path.join(cluster.logs, name);
  fs.mkdirSync(logDirectory, { recursive: true });
  return {
    metadata: { name, uid: `uid-${name}`, namespace: 'ocirt-e2e', attempt: 0 },
    // a host-network pod has the host's UTS namespace: no hostname of its own
    hostname: '',
    logDirectory,
    linux: {
      cgroupParent: podCgroupParent(cluster, name),
      securityContext: { namespaceOptions: { network: 'NODE', pid: opts.pid ?? 'CONTAINER', ipc: opts.ipc ?? 'POD' } },
    },
  };
}

/** A pod's own cgroup parent: a child cgroup, or a child slice ("a_b-c.slice" is in "a_b.slice"). */
export function podCgroupParent(cluster: Cluster, pod: string): string {
  if (!cluster.systemdCgroup) return `${cluster.cgroupParent}/${pod}`;
  return `${cluster.cgroupParent.replace(/\.slice$/, '')}-${pod.replace(/[^a-zA-Z0-9]/g, '_')}.slice`;
}

/**
 * A busybox container's config for the pod: like the kubelet, it repeats the pod's
 * namespace modes (the container's own decide; an unset pid mode would mean POD).
 */
export function containerConfig(pod: Message, name: string, command: string[], extra: { linux?: Message } & Message = {}): Message {
  const { linux, ...rest } = extra;
  return {
    metadata: { name, attempt: 0 },
    image: { image: BUSYBOX_IMAGE },
    command,
    logPath: `${name}.log`,
    ...rest,
    linux: { ...linux, securityContext: { namespaceOptions: pod.linux.securityContext.namespaceOptions, ...linux?.securityContext } },
  };
}

/** The log file of a container created with containerConfig, in the pod's logDirectory. */
export function logFile(pod: Message, name: string): string {
  return path.join(pod.logDirectory, `${name}.log`);
}

/** The message lines of a CRI log file ("<time> stdout F <line>"). */
export function logLines(file: string): string[] {
  return safeRead(file)
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').slice(3).join(' '));
}

function removeCgroups(parent: string): void {
  for (const controller of safeList('/sys/fs/cgroup')) {
    const base = path.join('/sys/fs/cgroup', controller, parent);
    if (!fs.existsSync(base)) continue;
    // children first (pods, then their containers)
    run('find', [base, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';']);
  }
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
