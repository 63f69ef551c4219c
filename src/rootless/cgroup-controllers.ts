import type { LinuxResources } from '../spec/types-resources';

/**
 * The controllers linux.resources needs, each with the JSON pointer of what needs it.
 * Device rules are left out: an unprivileged user can never write them (devices.allow
 * needs CAP_SYS_ADMIN on the host, a v2 device program CAP_BPF), and runc drops them
 * for rootless containers too.
 */
export function neededControllers(resources: LinuxResources | undefined): Array<{ controller: string; at: string }> {
  if (!resources) return [];
  const out: Array<{ controller: string; at: string }> = [];
  const set = (v: unknown): boolean => v !== undefined && v !== null && (typeof v !== 'object' || Object.values(v).some((x) => x !== undefined && x !== null));
  const add = (controller: string, at: string) => out.push({ controller, at: `/linux/resources/${at}` });
  if (set(resources.memory)) add('memory', 'memory');
  const cpu = resources.cpu;
  if (cpu) {
    const { cpus, mems, ...rest } = cpu;
    if (set(rest)) add('cpu', 'cpu');
    if (cpus || mems) add('cpuset', 'cpu');
  }
  if (set(resources.pids)) add('pids', 'pids');
  if (set(resources.blockIO)) add('blkio', 'blockIO');
  if ((resources.hugepageLimits ?? []).length > 0) add('hugetlb', 'hugepageLimits');
  if (resources.network?.classID !== undefined) add('net_cls', 'network/classID');
  if ((resources.network?.priorities ?? []).length > 0) add('net_prio', 'network/priorities');
  if (resources.rdma && Object.keys(resources.rdma).length > 0) add('rdma', 'rdma');
  if (resources.unified && Object.keys(resources.unified).length > 0) add('unified', 'unified');
  return out;
}

/** linux.resources without the device rules (see neededControllers). */
export function withoutDeviceRules(resources: LinuxResources | undefined): LinuxResources | undefined {
  if (!resources?.devices) return resources;
  const { devices: _devices, ...rest } = resources;
  return rest;
}
