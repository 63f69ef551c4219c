// Semantic checks that depend on which namespaces the container creates or joins:
// /linux/namespaces itself, id mappings, time offsets, hostname, sysctl, netDevices,
// masked and read-only paths.
import { checkIdMappings } from './id-mappings';
import { childPointer, showValue, type Findings } from './problems';
import { sysctlKeyProblem, sysctlNamespace } from './sysctl';
import type { LinuxNamespaceType, Spec } from './types';

/** Namespaces listed in the config (created, or joined when path is set). */
export type NamespaceTable = Map<LinuxNamespaceType, { index: number; path?: string }>;

const CLOCKS = new Set(['monotonic', 'boottime']);
const HOST_NAME_MAX = 64;
const IFNAMSIZ = 16;

function addHint(type: LinuxNamespaceType): string {
  return `add {"type": "${type}"} to /linux/namespaces`;
}

export function namespaceTable(spec: Spec, f: Findings): NamespaceTable {
  const table: NamespaceTable = new Map();
  spec.linux?.namespaces?.forEach((ns, i) => {
    const at = childPointer('/linux/namespaces', i);
    const earlier = table.get(ns.type);
    if (earlier) {
      f.error(`${at}/type`, `namespace "${ns.type}" is already listed at /linux/namespaces/${earlier.index}`);
      return;
    }
    if (ns.path !== undefined && !ns.path.startsWith('/')) {
      f.error(`${at}/path`, `must be an absolute path, got ${showValue(ns.path)}`);
    }
    table.set(ns.type, { index: i, path: ns.path });
  });
  return table;
}

export function checkNamespaceUse(spec: Spec, ns: NamespaceTable, f: Findings): void {
  checkUserNamespace(spec, ns, f);
  checkTimeNamespace(spec, ns, f);
  for (const field of ['hostname', 'domainname'] as const) {
    const value = spec[field];
    if (value === undefined || value === '') continue;
    if (!ns.has('uts')) f.error(`/${field}`, `can only be set with a uts namespace: ${addHint('uts')}`);
    if (Buffer.byteLength(value) > HOST_NAME_MAX) f.error(`/${field}`, `must be at most ${HOST_NAME_MAX} bytes long`);
  }
  checkSysctl(spec, ns, f);
  checkNetDevices(spec, ns, f);
  for (const field of ['maskedPaths', 'readonlyPaths'] as const) {
    const paths = spec.linux?.[field];
    if (!paths || paths.length === 0) continue;
    if (!ns.has('mount')) f.error(`/linux/${field}`, `require a mount namespace: ${addHint('mount')}`);
    paths.forEach((p, i) => {
      if (!p.startsWith('/')) f.error(childPointer(`/linux/${field}`, i), `must be an absolute path, got ${showValue(p)}`);
    });
  }
}

function checkUserNamespace(spec: Spec, ns: NamespaceTable, f: Findings): void {
  const linux = spec.linux;
  const user = ns.get('user');
  for (const field of ['uidMappings', 'gidMappings'] as const) {
    const maps = linux?.[field];
    if (maps === undefined) {
      if (user && user.path === undefined) {
        f.error(`/linux/${field}`, 'is required to create a user namespace (or set a path to join one)');
      }
      continue;
    }
    if (!user) {
      f.error(`/linux/${field}`, `can only be set with a user namespace: ${addHint('user')}`);
      continue;
    }
    if (user.path === undefined && maps.length === 0) {
      f.error(`/linux/${field}`, 'must not be empty when creating a user namespace');
    }
    checkIdMappings(maps, `/linux/${field}`, f);
  }
}

function checkTimeNamespace(spec: Spec, ns: NamespaceTable, f: Findings): void {
  const offsets = spec.linux?.timeOffsets;
  if (offsets === undefined) return;
  const time = ns.get('time');
  if (!time) {
    f.error('/linux/timeOffsets', `can only be set with a time namespace: ${addHint('time')}`);
  } else if (time.path !== undefined) {
    f.error('/linux/timeOffsets', `cannot be set when joining an existing time namespace (/linux/namespaces/${time.index}/path)`);
  }
  for (const clock of Object.keys(offsets)) {
    if (!CLOCKS.has(clock)) {
      f.error(childPointer('/linux/timeOffsets', clock), 'unknown clock: must be "monotonic" or "boottime"');
    }
  }
}

function checkSysctl(spec: Spec, ns: NamespaceTable, f: Findings): void {
  const sysctl = spec.linux?.sysctl;
  if (!sysctl) return;
  for (const key of Object.keys(sysctl)) {
    const at = childPointer('/linux/sysctl', key);
    const bad = sysctlKeyProblem(key);
    if (bad) {
      f.error(at, bad);
      continue;
    }
    const needs = sysctlNamespace(key);
    if (needs === undefined) {
      f.error(at, 'is not namespaced: setting it would change the host, so it is not allowed');
    } else if (needs === 'uts' && /^kernel[./]hostname$/.test(key)) {
      f.error(at, 'is not allowed: set /hostname instead');
    } else if (!ns.has(needs)) {
      f.error(at, `requires ${needs === 'ipc' ? 'an' : 'a'} ${needs} namespace: ${addHint(needs)}`);
    }
  }
}

function validInterfaceName(name: string): boolean {
  return (
    name.length > 0 && Buffer.byteLength(name) < IFNAMSIZ && name !== '.' && name !== '..' && !/[/: \s]/.test(name)
  );
}

function checkNetDevices(spec: Spec, ns: NamespaceTable, f: Findings): void {
  const devices = spec.linux?.netDevices;
  if (!devices || Object.keys(devices).length === 0) return;
  if (!ns.has('network')) f.error('/linux/netDevices', `require a network namespace: ${addHint('network')}`);
  for (const [hostName, dev] of Object.entries(devices)) {
    const at = childPointer('/linux/netDevices', hostName);
    const rule = `must be 1 to ${IFNAMSIZ - 1} bytes without '/', ':' or spaces, and not "." or ".."`;
    if (!validInterfaceName(hostName)) f.error(at, `is not a valid interface name: ${rule}`);
    if (dev.name !== undefined && dev.name !== '' && !validInterfaceName(dev.name)) {
      f.error(`${at}/name`, `is not a valid interface name: ${rule}`);
    }
  }
}
