import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { initExecutablePath } from '../native/binding';
import { OcirtError } from '../native/error';
import type { NetDeviceMove } from '../plan/net-devices';
import { initError, SyncChannel } from './sync-protocol';

/**
 * linux.netDevices: moves host interfaces into the network namespace of process `pid`
 * (the container's init, whose namespaces exist by now), renamed as decided by the plan
 * compiler (src/plan/net-devices.ts). Node has no netlink, so `ocirt-init <fd> netdev`
 * does it: a short-lived process in the host's namespaces with the runtime's
 * credentials (addon/src/init/netdev.cc), which reports failures like the init.
 *
 *   runtime → helper  {"type":"netdev","pid":N,"devices":[{hostName,name}]}
 *   helper → runtime  {"type":"done"} | {"type":"error",...}
 */
export async function moveNetDevices(containerId: string, pid: number, devices: readonly NetDeviceMove[]): Promise<void> {
  if (devices.length === 0) return;
  const child = spawn(initExecutablePath(), ['3', 'netdev'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env: {} });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const failed = new Promise<never>((_, reject) => child.on('error', (err) => reject(OcirtError.fromNode(`start ${initExecutablePath()}`, err))));
  const channel = new SyncChannel(child.stdio[3] as Socket);
  try {
    channel.send({ type: 'netdev', pid, devices });
    const m = await Promise.race([channel.next(), failed]);
    if (m?.type === 'error') throw initError(containerId, m);
    if (m?.type !== 'done') {
      const code = await exited;
      throw new OcirtError(`moving network devices failed${code ? ` (exit status ${code})` : ''}`);
    }
  } finally {
    channel.close();
    await Promise.race([exited, failed.catch(() => null)]);
  }
}
