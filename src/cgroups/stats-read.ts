import * as path from 'node:path';
import type { CgroupIo } from './cgroup-io';
import { type BlkioEntry, type MemoryEntry, setNonZero } from './stats-types';

/** Parsing helpers for cgroup statistics files, shared by the v1 and v2 readers. */

export const MAX_UINT64 = 18446744073709551615n;

/** A number file ("12345", "max"); undefined when missing or unreadable. */
export function readUint(io: CgroupIo, dir: string, file: string): bigint | undefined {
  let text: string;
  try {
    text = io.read(path.join(dir, file)).trim();
  } catch {
    return undefined;
  }
  if (text === 'max') return MAX_UINT64;
  if (/^-?\d+$/.test(text)) return BigInt(text);
  return undefined;
}

/** "key value" lines (memory.stat, cpu.stat, memory.events) → map. */
export function readKeyValues(io: CgroupIo, dir: string, file: string): Map<string, bigint> | undefined {
  let text: string;
  try {
    text = io.read(path.join(dir, file));
  } catch {
    return undefined;
  }
  const out = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.set(m[1], BigInt(m[2]));
  }
  return out;
}

export function readText(io: CgroupIo, dir: string, file: string): string | undefined {
  try {
    return io.read(path.join(dir, file));
  } catch {
    return undefined;
  }
}

/** "0-2,5" → [0, 1, 2, 5]. */
export function parseIdArray(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const hi = m[2] === undefined ? Number(m[1]) : Number(m[2]);
    for (let i = Number(m[1]); i <= hi; i++) out.push(i);
  }
  return out;
}

/** A MemoryEntry in runc's field order, zero usage/max left out. */
export function memoryEntry(limit: bigint, usage: bigint, max: bigint, failcnt: bigint): MemoryEntry {
  const e = { limit } as MemoryEntry;
  setNonZero(e, 'usage', usage);
  setNonZero(e, 'max', max);
  e.failcnt = failcnt;
  return e;
}

/** A blkio entry with Go's omitempty: zero fields left out. */
export function blkioEntry(major: bigint, minor: bigint, op: string, value: bigint): BlkioEntry {
  const e: BlkioEntry = {};
  setNonZero(e, 'major', major);
  setNonZero(e, 'minor', minor);
  setNonZero(e, 'op', op);
  setNonZero(e, 'value', value);
  return e;
}
