import type { Spec } from '../spec/types';
import type { PlanOptions } from './plan-options';

/** Where the container finds its notify socket (runc's notify_socket.go). */
export const NOTIFY_DIR_IN_CONTAINER = '/run/notify';
export const NOTIFY_SOCKET_NAME = 'notify.sock';
export const NOTIFY_SOCKET_IN_CONTAINER = `${NOTIFY_DIR_IN_CONTAINER}/${NOTIFY_SOCKET_NAME}`;

/**
 * NOTIFY_SOCKET pass-through, as runc does it: the host directory that will hold the
 * container's own notify socket is bind-mounted read-only (nosuid, noexec, nodev) at
 * /run/notify, after the config's mounts, and the process gets
 * NOTIFY_SOCKET=/run/notify/notify.sock after its own environment (so it wins over a
 * NOTIFY_SOCKET the config sets). The caller makes the directory before the init runs.
 */
export function withNotifySocket(spec: Spec, opts: PlanOptions): { spec: Spec; opts: PlanOptions } {
  const dir = opts.notifySocketDir;
  if (!dir || !spec.process) return { spec, opts };
  const mount = { destination: NOTIFY_DIR_IN_CONTAINER, type: 'bind', source: dir, options: ['bind', 'nosuid', 'noexec', 'nodev', 'ro'] };
  return {
    spec: {
      ...spec,
      mounts: [...(spec.mounts ?? []), mount],
      process: { ...spec.process, env: [...(spec.process.env ?? []), `NOTIFY_SOCKET=${NOTIFY_SOCKET_IN_CONTAINER}`] },
    },
    opts: { ...opts, host: { ...opts.host, sourceKinds: { ...opts.host.sourceKinds, [dir]: 'dir' } } },
  };
}
