import * as fs from 'node:fs';
import type { Spec } from '../spec/types';
import { gatherIntelRdtFacts } from './intel-rdt-host';
import { gatherLsmFacts } from './lsm-host';
import { probeMountSetattr, usesRecursiveAttributes } from './mount-attributes-host';
import { bindSourcePaths } from './mounts';
import { gatherNetDeviceFacts } from './net-devices-host';
import { gatherSeccompFacts } from './seccomp-host';
import { readCapBounding, readCapLastCap } from './capability-host';
import type { CgroupLayout, HostFacts } from './plan-options';
import { inUserNamespace } from '../rootless/mode';
import { readUserNamespaceMaps } from './user-namespace-host';

/**
 * The file system work compilePlan needs done: the kind of each bind mount source
 * (stat, following symlinks as runc does; a dangling link is missing), whether
 * /proc/kcore exists, the kernel's last capability and the runtime's bounding set; for configs that use them,
 * libseccomp's syscall numbers, the enabled LSMs, the host interfaces to move and
 * resctrl. The cgroup layout comes from the cgroup driver.
 */
export function gatherHostFacts(spec: Spec, bundle: string, cgroupLayout: CgroupLayout): HostFacts {
  const sourceKinds: Record<string, 'dir' | 'file'> = {};
  for (const source of bindSourcePaths(spec.mounts, bundle)) {
    const st = statOrNull(source);
    if (st) sourceKinds[source] = st.isDirectory() ? 'dir' : 'file';
  }
  const facts: HostFacts = {
    sourceKinds,
    hasKcore: statOrNull('/proc/kcore') !== null,
    cgroup: cgroupLayout,
  };
  const capLastCap = readCapLastCap();
  if (capLastCap !== undefined) facts.capLastCap = capLastCap;
  const capBounding = readCapBounding();
  if (capBounding !== undefined) facts.capBounding = capBounding;
  if (spec.linux?.seccomp) facts.seccomp = gatherSeccompFacts(spec.linux.seccomp);
  if (spec.process?.apparmorProfile || spec.process?.selinuxLabel || spec.linux?.mountLabel) facts.lsm = gatherLsmFacts();
  if (spec.linux?.netDevices && Object.keys(spec.linux.netDevices).length > 0) facts.netDevices = gatherNetDeviceFacts(spec.linux);
  if (spec.linux?.intelRdt) facts.intelRdt = gatherIntelRdtFacts(spec.linux);
  if (usesRecursiveAttributes(spec.mounts)) facts.mountSetattr = probeMountSetattr();
  if (inUserNamespace(readOr('/proc/self/uid_map'))) facts.inUserNamespace = true;
  if (process.geteuid?.() === 0) facts.privilegedRuntime = true;
  const joinedUser = spec.linux?.namespaces?.find((n) => n.type === 'user' && n.path)?.path;
  const joinedMaps = joinedUser ? readUserNamespaceMaps(joinedUser) : undefined;
  if (joinedMaps) facts.joinedUserNamespace = joinedMaps;
  return facts;
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}
