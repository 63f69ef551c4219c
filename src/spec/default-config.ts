import type { Spec } from './types';

const DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

export interface DefaultConfigOptions {
  args?: string[];
  terminal?: boolean;
  rootless?: boolean;
  /**
   * Add a cgroup namespace. runc's `runc spec` does so only on a host with the unified
   * cgroup v2 hierarchy (`ocirt spec` passes what the host has); default true.
   */
  cgroupNamespace?: boolean;
  /** With rootless: the ids to map to root (default: the caller's effective uid and gid). */
  ids?: { uid: number; gid: number };
}

/**
 * The config `ocirt spec` writes: runc 1.1's `runc spec` (and `--rootless`), but for
 * ociVersion (the spec ocirt implements) and the hostname ("ocirt").
 */
export function defaultConfig(opts: DefaultConfigOptions = {}): Spec {
  const spec: Spec = {
    ociVersion: '1.3.0',
    process: {
      terminal: opts.terminal ?? true,
      user: { uid: 0, gid: 0 },
      args: opts.args ?? ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: {
        bounding: [...DEFAULT_CAPS],
        effective: [...DEFAULT_CAPS],
        permitted: [...DEFAULT_CAPS],
        ambient: [...DEFAULT_CAPS],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'ocirt',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, ...(opts.cgroupNamespace === false ? [] : [{ type: 'cgroup' as const }])],
      maskedPaths: [
        '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  if (opts.rootless) makeRootless(spec, opts.ids ?? { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 });
  return spec;
}

/**
 * What `runc spec --rootless` changes: a user namespace mapping the caller instead of a
 * network namespace, /sys bound from the host in place of sysfs, no uid=/gid= mount
 * options, no cgroup resources. The mappings come first in linux, where runc's
 * encoder puts them.
 */
function makeRootless(spec: Spec, { uid, gid }: { uid: number; gid: number }): void {
  const { namespaces, resources: _resources, ...rest } = spec.linux!;
  spec.linux = {
    uidMappings: [{ containerID: 0, hostID: uid, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: gid, size: 1 }],
    namespaces: (namespaces ?? []).filter((n) => n.type !== 'network' && n.type !== 'user').concat([{ type: 'user' }]),
    ...rest,
  };
  spec.mounts = (spec.mounts ?? []).map((m) =>
    m.destination === '/sys'
      ? { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : m.options
        ? { ...m, options: m.options.filter((o) => !o.startsWith('gid=') && !o.startsWith('uid=')) }
        : m,
  );
}
