// Semantic checks of /linux fields that do not depend on namespaces:
// devices, cgroup resources, seccomp, memory policy, Intel RDT.
import { parseIdList } from './cpu-list';
import { childPointer, showValue, type Findings } from './problems';
import type { Linux, LinuxResources, LinuxSeccomp } from './types';

export function checkLinux(linux: Linux, f: Findings): void {
  checkDevices(linux, f);
  if (linux.resources) checkResources(linux.resources, f);
  if (linux.seccomp) checkSeccomp(linux.seccomp, f);
  checkMemoryPolicy(linux, f);
  const clos = linux.intelRdt?.closID;
  if (clos !== undefined && (clos === '.' || clos === '..' || (clos.length > 1 && clos.includes('/')))) {
    f.error('/linux/intelRdt/closID', `must be "/" or a plain directory name, got ${showValue(clos)}`);
  }
}

function hasDotDot(path: string): boolean {
  return path.split('/').includes('..');
}

const DEVICE_NUMBER_MAX = { major: 4095, minor: 1048575 } as const;

function checkDevices(linux: Linux, f: Findings): void {
  linux.devices?.forEach((dev, i) => {
    const at = childPointer('/linux/devices', i);
    if (!dev.path.startsWith('/dev/') || hasDotDot(dev.path)) {
      f.error(`${at}/path`, `must be an absolute path under /dev, got ${showValue(dev.path)}`);
    }
    if (dev.type !== 'p') {
      for (const key of ['major', 'minor'] as const) {
        if (dev[key] === undefined) f.error(`${at}/${key}`, `is required for a device of type "${dev.type}"`);
        else if (dev[key]! < 0) f.error(`${at}/${key}`, `must be >= 0, got ${dev[key]}`);
        else if (dev[key]! > DEVICE_NUMBER_MAX[key]) {
          // mknod(2) takes a 32-bit dev_t: 12 bits of major, 20 of minor.
          f.error(`${at}/${key}`, `must be <= ${DEVICE_NUMBER_MAX[key]} (the kernel's limit), got ${dev[key]}`);
        }
      }
    }
  });
}

function checkResources(res: LinuxResources, f: Findings): void {
  res.devices?.forEach((rule, i) => {
    if (rule.access === undefined) {
      f.error(childPointer('/linux/resources/devices', i) + '/access', 'is required (one or more of "r", "w", "m")');
    }
  });
  const mem = res.memory;
  if (mem && mem.limit !== undefined && mem.swap !== undefined && mem.limit > 0 && mem.swap > 0 && mem.swap < mem.limit) {
    f.error('/linux/resources/memory/swap', `is memory+swap and must be >= limit (${mem.limit}), or -1 for unlimited`);
  }
  // 2^64-1 is Docker's "-1" (leave unset), which runc accepts.
  if (mem?.swappiness !== undefined && mem.swappiness > 100 && mem.swappiness < 18446744073709551615) {
    f.error('/linux/resources/memory/swappiness', `must be in 0..100, got ${mem.swappiness}`);
  }
  for (const key of ['cpus', 'mems'] as const) {
    const list = res.cpu?.[key];
    if (list === undefined) continue;
    const parsed = parseIdList(list);
    if ('error' in parsed) f.error(`/linux/resources/cpu/${key}`, `is not a list like 0-3,7: ${parsed.error}`);
  }
}

const ERRNO_ACTIONS = new Set(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);

function checkSeccomp(sc: LinuxSeccomp, f: Findings): void {
  const at = '/linux/seccomp';
  if (sc.defaultAction === undefined) {
    f.error(`${at}/defaultAction`, 'is required when syscalls are listed');
  } else if (sc.defaultAction === 'SCMP_ACT_NOTIFY') {
    f.error(`${at}/defaultAction`, 'cannot be SCMP_ACT_NOTIFY (the runtime itself could not run any more)');
  }
  if (sc.defaultErrnoRet !== undefined && sc.defaultAction !== undefined && !ERRNO_ACTIONS.has(sc.defaultAction)) {
    f.warn(`${at}/defaultErrnoRet`, `is ignored with defaultAction ${sc.defaultAction}`);
  }
  let notify = false;
  sc.syscalls?.forEach((rule, i) => {
    const ruleAt = childPointer(`${at}/syscalls`, i);
    if (rule.action === 'SCMP_ACT_NOTIFY') {
      notify = true;
      const w = rule.names.indexOf('write');
      if (w !== -1) f.error(`${ruleAt}/names/${w}`, 'SCMP_ACT_NOTIFY cannot be used for the write syscall: the runtime needs write() to hand over the listener');
    }
    if (rule.errnoRet !== undefined && !ERRNO_ACTIONS.has(rule.action)) {
      f.warn(`${ruleAt}/errnoRet`, `is ignored with action ${rule.action}`);
    }
  });
  if (notify && !sc.listenerPath) {
    f.error(`${at}/listenerPath`, 'is required when a rule uses SCMP_ACT_NOTIFY');
  }
  if (sc.listenerMetadata && !sc.listenerPath) {
    f.error(`${at}/listenerMetadata`, 'must not be set without listenerPath');
  }
}

function checkMemoryPolicy(linux: Linux, f: Findings): void {
  const mp = linux.memoryPolicy;
  if (!mp) return;
  const at = '/linux/memoryPolicy';
  const parsed = parseIdList(mp.nodes ?? '');
  if ('error' in parsed) {
    f.error(`${at}/nodes`, `is not a node list like 0-3,7: ${parsed.error}`);
    return;
  }
  if ((mp.mode === 'MPOL_DEFAULT' || mp.mode === 'MPOL_LOCAL') && parsed.count !== 0) {
    f.error(`${at}/nodes`, `must be empty with mode ${mp.mode}`);
  }
  const needsNodes = ['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE'];
  if (needsNodes.includes(mp.mode) && parsed.count === 0) {
    f.error(`${at}/nodes`, `must list at least one node with mode ${mp.mode}`);
  }
  const flags = mp.flags ?? [];
  if (flags.includes('MPOL_F_RELATIVE_NODES') && flags.includes('MPOL_F_STATIC_NODES')) {
    f.error(`${at}/flags`, 'cannot combine MPOL_F_RELATIVE_NODES and MPOL_F_STATIC_NODES');
  }
}
