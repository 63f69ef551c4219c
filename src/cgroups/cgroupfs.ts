import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';
import type { CgroupLayout } from '../plan/plan-options';
import type { RecordCgroup } from '../state/record';
import { sleepMs } from '../util/sleep';
import { callerCgroups, containerCgroupDir } from './container-paths';
import { cgroupMode, type HostHierarchy, hostHierarchies } from './host-hierarchies';

/**
 * The cgroupfs driver: one directory per hierarchy (v1), or one in the unified tree (v2).
 * On a hybrid host the container also gets a directory in the unified tree, so the v2
 * core files (cgroup.freeze, cgroup.kill, cgroup.events) are there for it too.
 */
export class CgroupfsPlacement {
  readonly hierarchies: HostHierarchy[];
  readonly mode: 0 | 1 | 2;
  /** Key → container cgroup dir; v1 keys are controller lists, v2 is "unified". */
  readonly paths: Record<string, string> = {};
  private created: string[] = [];

  constructor(cgroupsPath: string, hierarchies = hostHierarchies()) {
    this.hierarchies = hierarchies;
    this.mode = cgroupMode(hierarchies);
    const caller = callerCgroups();
    for (const h of hierarchies) {
      const key = h.version === 2 ? 'unified' : h.controllers.join(',');
      this.paths[key] = containerCgroupDir(h, cgroupsPath, caller);
    }
  }

  record(): RecordCgroup {
    return { driver: this.mode === 2 ? 'cgroupfs-v2' : this.mode === 1 ? 'cgroupfs-v1' : 'none', paths: { ...this.paths } };
  }

  /** What the plan compiler needs to lay out "cgroup" mounts. */
  layout(): CgroupLayout {
    const v = this.mode;
    if (v === 0) return { version: 0, mounts: [], symlinks: [] };
    const mounts = this.hierarchies
      .filter((h) => (v === 2 ? h.version === 2 : h.version === 1))
      .map((h) => ({
        subdir: v === 2 ? '' : path.basename(h.mountPoint),
        hostPath: this.paths[v === 2 ? 'unified' : h.controllers.join(',')],
        controllers: h.controllers,
      }));
    return { version: v, mounts, symlinks: [] };
  }

  /** mkdir -p of every container cgroup; remembers what it made for rollback. */
  create(): void {
    for (const [key, dir] of Object.entries(this.paths)) {
      this.mkdirs(dir);
      if (key.split(',').includes('cpuset')) inheritCpuset(dir);
    }
  }

  /** Moves a process into every container cgroup. */
  join(pid: number): void {
    for (const dir of Object.values(this.paths)) {
      try {
        fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
      } catch (err) {
        throw OcirtError.fromNode(`join cgroup ${dir}`, err);
      }
    }
  }

  /** Removes what create() made (deepest first). */
  rollback(): void {
    removeDirs([...this.created].reverse());
  }

  private mkdirs(dir: string): void {
    const missing: string[] = [];
    for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    for (const d of missing) {
      try {
        fs.mkdirSync(d);
        this.created.push(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw OcirtError.fromNode(`create cgroup ${d}`, err);
      }
    }
  }
}

/** A new v1 cpuset cgroup is empty and refuses tasks until it has cpus and mems. */
function inheritCpuset(dir: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const own = path.join(dir, file);
    if (fs.readFileSync(own, 'utf8').trim() !== '') continue;
    // Walk up to the nearest ancestor that has a value, then copy it down.
    const chain: string[] = [];
    let d = dir;
    let value = '';
    while ((value = fs.readFileSync(path.join(d, file), 'utf8').trim()) === '') {
      chain.unshift(d);
      d = path.dirname(d);
    }
    for (const c of chain) fs.writeFileSync(path.join(c, file), value);
  }
}

/** Removes container cgroup directories; a busy one is retried briefly, a missing one ignored. */
export function removeDirs(dirs: string[]): void {
  for (const dir of dirs) {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.rmdirSync(dir);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code === 'EBUSY' && attempt < 200) {
          sleepMs(5);
          continue;
        }
        throw OcirtError.fromNode(`remove cgroup ${dir}`, err);
      }
    }
  }
}

/** Host pids in a container's cgroups (union over hierarchies). */
export function cgroupPids(paths: Record<string, string>): number[] {
  const pids = new Set<number>();
  for (const dir of Object.values(paths)) {
    let text = '';
    try {
      text = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8');
    } catch {
      continue;
    }
    for (const l of text.split('\n')) if (l.trim()) pids.add(Number(l));
  }
  return [...pids].sort((a, b) => a - b);
}
