import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostHierarchy } from './host-hierarchies';

/**
 * What the host offers for cgroup resources, gathered once per command so that the
 * translation of linux.resources into cgroup writes stays a pure function of it.
 */
export interface HostCgroupInfo {
  /** Controllers mounted as cgroup v1 hierarchies (cpu, cpuacct, memory, ...). */
  v1: ReadonlySet<string>;
  /** Controllers the cgroup v2 hierarchy offers at its root (cgroup.controllers); null without one. */
  v2: ReadonlySet<string> | null;
  /** Online CPUs and memory nodes of the host. */
  cpus: ReadonlySet<number>;
  mems: ReadonlySet<number>;
  /** Huge page sizes as the hugetlb controller names its files: "2MB", "1GB". */
  hugePageSizes: readonly string[];
}

/** 1: a v1 (legacy or hybrid) host, 2: a unified one, 0: no cgroups. */
export function hostMode(info: HostCgroupInfo): 0 | 1 | 2 {
  if (info.v1.size > 0) return 1;
  return info.v2 ? 2 : 0;
}

export function readHostCgroupInfo(hierarchies: readonly HostHierarchy[]): HostCgroupInfo {
  const v1 = new Set<string>();
  let v2: Set<string> | null = null;
  for (const h of hierarchies) {
    if (h.version === 1) for (const c of h.controllers) if (!c.startsWith('name=')) v1.add(c);
    if (h.version === 2) v2 = new Set(readWords(path.join(h.mountPoint, 'cgroup.controllers')));
  }
  return {
    v1,
    v2,
    cpus: parseIdSet(readText('/sys/devices/system/cpu/online') ?? '0'),
    mems: parseIdSet(readText('/sys/devices/system/node/online') ?? '0'),
    hugePageSizes: hugePageSizes(),
  };
}

/** "0-3,7" → {0,1,2,3,7}; a malformed list gives the ids that could be read. */
export function parseIdSet(text: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.trim().split(',')) {
    const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let i = lo; i <= hi && i - lo < 65536; i++) out.add(i);
  }
  return out;
}

/** /sys/kernel/mm/hugepages/hugepages-2048kB → "2MB", as runc's HugePageSizes. */
export function hugePageSizes(dir = '/sys/kernel/mm/hugepages'): string[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const m = /^hugepages-(\d+)kB$/.exec(n);
    if (m) out.push(pageSizeName(Number(m[1]) * 1024));
  }
  return out;
}

/** Bytes → the kernel's hugetlb file name size: 2097152 → "2MB", 1073741824 → "1GB". */
export function pageSizeName(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (bytes >= 1024 && bytes % 1024 === 0 && i < units.length - 1) {
    bytes /= 1024;
    i++;
  }
  return `${bytes}${units[i]}`;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readWords(file: string): string[] {
  return (readText(file) ?? '').split(/\s+/).filter(Boolean);
}
