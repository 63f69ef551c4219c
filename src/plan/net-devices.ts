/**
 * linux.netDevices → the host interfaces to move into the container's network
 * namespace, each with its name there. runc's rules: the container must have a network
 * namespace of its own (created or joined), names must be valid interface names, and
 * the device must exist on the host. The move itself is done from the host's namespaces
 * by the runtime (src/lifecycle/net-devices.ts), once the init's namespaces exist.
 */
import type { Linux, LinuxNamespaceType } from '../spec/types';
import { planError, pointer } from './plan-error';

/** IFNAMSIZ - 1: the kernel's longest interface name. */
const MAX_NAME = 15;

export interface NetDeviceMove {
  /** Name on the host. */
  hostName: string;
  /** Name in the container (the host name unless netDevices.<name>.name is set). */
  name: string;
}

export interface NetDeviceHostFacts {
  /** Host interfaces named in the config that exist. */
  existing: string[];
}

/** The kernel's dev_valid_name(). */
export function validInterfaceName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

export function translateNetDevices(
  linux: Linux | undefined,
  namespaces: ReadonlySet<LinuxNamespaceType>,
  facts: NetDeviceHostFacts | undefined,
): NetDeviceMove[] {
  const devices = linux?.netDevices ?? {};
  const names = Object.keys(devices);
  if (names.length === 0) return [];
  if (!namespaces.has('network')) {
    throw planError(pointer('linux', 'netDevices'), 'unable to move network devices without a network namespace (add {"type": "network"} to linux.namespaces)');
  }
  const taken = new Map<string, string>();
  return names.map((hostName) => {
    const at = pointer('linux', 'netDevices', hostName);
    if (!validInterfaceName(hostName)) throw planError(at, `invalid network interface name ${JSON.stringify(hostName)}`);
    const name = devices[hostName].name || hostName;
    if (!validInterfaceName(name)) throw planError(`${at}/name`, `invalid network interface name ${JSON.stringify(name)}`);
    const other = taken.get(name);
    if (other !== undefined) throw planError(`${at}/name`, `${JSON.stringify(name)} is also the name given to ${JSON.stringify(other)}`);
    taken.set(name, hostName);
    if (!facts?.existing.includes(hostName)) throw planError(at, `the host has no network interface ${JSON.stringify(hostName)}`);
    return { hostName, name };
  });
}
