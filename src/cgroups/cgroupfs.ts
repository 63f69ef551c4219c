import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeErrno, OcirtError } from '../native/error';
import { sleepMs } from '../util/sleep';
import type { CgroupIo } from './cgroup-io';

/**
 * Directory work shared by the cgroupfs drivers: making a cgroup path (remembering
 * what was made, for rollback), joining, listing and removing.
 */
export class DirMaker {
  /** Directories this maker created, in creation order. */
  readonly created: string[] = [];

  /** mkdir -p; returns the directories that were missing. */
  mkdirs(dir: string): string[] {
    const missing: string[] = [];
    for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    for (const d of missing) {
      try {
        fs.mkdirSync(d, 0o755);
        this.created.push(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw OcirtError.fromNode(`create cgroup ${d}`, err);
      }
    }
    return missing;
  }

  /** Removes what mkdirs made, deepest first. */
  rollback(): void {
    removeDirs([...this.created].reverse());
    this.created.length = 0;
  }
}

/** A new v1 cpuset cgroup is empty and refuses tasks until it has cpus and mems: copy them down. */
export function inheritCpuset(dir: string, io: CgroupIo): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const chain: string[] = [];
    let d = dir;
    let value = '';
    while ((value = io.read(path.join(d, file)).trim()) === '') {
      chain.unshift(d);
      const parent = path.dirname(d);
      if (parent === d) break;
      d = parent;
    }
    for (const c of chain) io.write(path.join(c, file), value);
  }
}

/**
 * Writes pid into dir/cgroup.procs. The error says "adding pid N to cgroups" and the
 * errno's text before its name, as runc's does (scripts grep for both).
 */
export function joinDir(dir: string, pid: number, io: CgroupIo): void {
  const file = path.join(dir, 'cgroup.procs');
  try {
    io.write(file, String(pid));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.errno !== 'number') throw OcirtError.fromNode(`adding pid ${pid} to cgroups: write ${file}`, err);
    const errno = Math.abs(e.errno);
    const [name, text] = describeErrno(errno).match(/^(\S+)(?: \((.*)\))?$/)!.slice(1);
    throw new OcirtError(`adding pid ${pid} to cgroups: write ${file}: ${text ? `${text} (${name})` : name}`, { errno, syscall: 'write', path: file });
  }
}

/** Pids in dir and, with recursive, in its sub-cgroups (a container may make its own). */
export function readProcs(dir: string, io: CgroupIo, recursive = true): number[] {
  const out: number[] = [];
  let text = '';
  try {
    text = io.read(path.join(dir, 'cgroup.procs'));
  } catch {
    return out;
  }
  for (const l of text.split('\n')) if (l.trim()) out.push(Number(l));
  if (recursive) for (const sub of subCgroups(dir)) out.push(...readProcs(sub, io, true));
  return out;
}

function subCgroups(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

/** Host pids in a container's cgroups (union over hierarchies and their sub-cgroups). */
export function cgroupPids(paths: Record<string, string>, io?: CgroupIo): number[] {
  const pids = new Set<number>();
  const reader: CgroupIo = io ?? { read: (f) => fs.readFileSync(f, 'utf8'), write: () => undefined, exists: fs.existsSync };
  for (const dir of Object.values(paths)) for (const p of readProcs(dir, reader)) pids.add(p);
  return [...pids].sort((a, b) => a - b);
}

/**
 * Removes a container cgroup and whatever sub-cgroups the container made in it,
 * deepest first. A missing directory is not an error; a busy one (its last processes
 * are still exiting, as after an OOM kill) is retried for a while.
 */
export function removeCgroupTree(dir: string): void {
  for (const sub of subCgroups(dir)) removeCgroupTree(sub);
  removeDirs([dir]);
}

/** rmdir of each directory; a busy one is retried briefly, a missing one ignored. */
export function removeDirs(dirs: string[]): void {
  for (const dir of dirs) {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.rmdirSync(dir);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code === 'EBUSY' && attempt < 400) {
          sleepMs(5);
          continue;
        }
        throw OcirtError.fromNode(`remove cgroup ${dir}`, err);
      }
    }
  }
}
