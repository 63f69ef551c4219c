import * as path from 'node:path';
import { OcirtError } from '../native/error';
import type { CgroupLayout } from '../plan/plan-options';
import type { LinuxResources } from '../spec/types-resources';
import type { RecordCgroup } from '../state/record';
import { applyWrites } from './apply-writes';
import { type CgroupIo, readOptional, realIo } from './cgroup-io';
import type { Translation } from './cgroup-write';
import { DirMaker, inheritCpuset, joinDir, readProcs, removeCgroupTree } from './cgroupfs';
import type { ApplyContext, CgroupDriver } from './driver';
import { type FrozenCgroup, freezeV1, freezeV2, frozenV1At, frozenV2At, isFrozenV1, isFrozenV2, thawV1, thawV2 } from './freezer';
import { type HostCgroupInfo, readHostCgroupInfo } from './host-info';
import { type HostHierarchy, hostHierarchies } from './host-hierarchies';
import { checkMemoryBeforeUpdate } from './memory-check';
import { checkResources } from './resource-checks';
import { signalAllProcesses } from './signal-all';
import { type SubCgroupPaths, subCgroupDirs } from './sub-cgroup';
import type { CgroupStats } from './stats-types';
import { readStatsV1 } from './stats-v1';
import { translateV1 } from './v1-translate';

export interface CgroupfsV1Options {
  io?: CgroupIo;
  /** Facts about the host; read from /sys when absent. */
  host?: HostCgroupInfo;
  /** The host's cgroup mounts; read from mountinfo when absent. */
  hierarchies?: HostHierarchy[];
  /** false: write no device rules (rootless: only root may; src/rootless/cgroups.ts). */
  deviceRules?: boolean;
}

/**
 * The cgroupfs driver of a cgroup v1 host (legacy, or hybrid with a v2 tree beside):
 * one directory per hierarchy, keyed by the hierarchy's controller list ("cpu,cpuacct",
 * "memory", "name=systemd"), plus "unified" on a hybrid host. v1 controllers are the
 * authority (the v1 freezer pauses); the v2 directory holds the processes too, so
 * cgroup.kill and cgroup.events work, and takes what only v2 offers (hugetlb here).
 */
export class CgroupfsV1 implements CgroupDriver {
  readonly kind = 'cgroupfs-v1' as const;
  private readonly io: CgroupIo;
  private readonly made = new DirMaker();
  private hierarchiesCache?: HostHierarchy[];

  constructor(
    readonly paths: Readonly<Record<string, string>>,
    private readonly opts: CgroupfsV1Options = {},
  ) {
    this.io = opts.io ?? realIo;
    this.hierarchiesCache = opts.hierarchies;
  }

  record(): RecordCgroup {
    return { driver: this.kind, paths: { ...this.paths } };
  }

  layout(): CgroupLayout {
    const mounts = this.hierarchies()
      .filter((h) => h.version === 1 && this.paths[h.controllers.join(',')])
      .map((h) => ({ subdir: path.basename(h.mountPoint), hostPath: this.paths[h.controllers.join(',')], controllers: h.controllers }));
    return { version: 1, mounts, symlinks: [] };
  }

  /** The container's directory in the hierarchy holding `controller` ("unified": the v2 one). */
  dirOf(controller: string): string | undefined {
    if (controller === 'unified') return this.paths.unified;
    for (const [key, dir] of Object.entries(this.paths)) {
      if (key !== 'unified' && key.split(',').includes(controller)) return dir;
    }
    return undefined;
  }

  private requireDir(controller: string): string {
    const dir = this.dirOf(controller);
    if (!dir) throw new OcirtError(`the container has no cgroup in the ${controller} hierarchy`);
    return dir;
  }

  create(resources: LinuxResources | undefined, ctx: ApplyContext = {}): void {
    const res = resources ?? {};
    const host = this.hostInfo();
    checkResources(res, '/linux/resources', host);
    const t = translateV1(res, '/linux/resources', host, { update: false });
    if (this.opts.deviceRules === false) t.writes = t.writes.filter((w) => w.controller !== 'devices');
    for (const [key, dir] of Object.entries(this.paths)) {
      this.made.mkdirs(dir);
      if (key.split(',').includes('cpuset')) inheritCpuset(dir, this.io);
    }
    this.apply(t, ctx, false);
  }

  rollback(): void {
    this.made.rollback();
  }

  update(resources: LinuxResources, ctx: ApplyContext = {}): void {
    const host = this.hostInfo();
    checkResources(resources, '', host);
    const t = translateV1(resources, '', host, { update: true });
    const memory = this.dirOf('memory');
    if (memory) checkMemoryBeforeUpdate(resources, memory, 'memory.usage_in_bytes', this.io);
    this.apply(t, ctx, true);
  }

  private apply(t: Translation, ctx: ApplyContext, undo: boolean): void {
    if (t.v2Controllers.length > 0) this.enableUnified(t.v2Controllers);
    applyWrites(t.writes, (c) => this.requireDir(c), this.io, { warn: ctx.warn, undo });
    for (const w of t.warnings) ctx.warn?.(w);
  }

  /**
   * Hands the v2-only controllers the resources need (hugetlb on a hybrid host) down
   * from the v2 mount to the container's v2 directory.
   */
  private enableUnified(controllers: string[]): void {
    const dir = this.paths.unified;
    const mount = this.hierarchies().find((h) => h.version === 2)?.mountPoint;
    if (!dir || !mount) throw new OcirtError(`the container has no cgroup v2 directory for the ${controllers.join(', ')} controller`);
    const rel = path.relative(mount, path.dirname(dir));
    if (rel.startsWith('..')) return;
    let current = mount;
    const steps = rel === '' ? [] : rel.split(path.sep);
    for (let i = 0; i <= steps.length; i++) {
      if (i > 0) current = path.join(current, steps[i - 1]);
      const enabled = (readOptional(this.io, path.join(current, 'cgroup.subtree_control')) ?? '').split(/\s+/);
      for (const c of controllers) {
        if (enabled.includes(c)) continue;
        try {
          this.io.write(path.join(current, 'cgroup.subtree_control'), `+${c}`);
        } catch (err) {
          throw OcirtError.fromNode(`enable the ${c} controller for ${dir} in ${current}/cgroup.subtree_control`, err);
        }
      }
    }
  }

  join(pid: number, sub?: SubCgroupPaths): void {
    const dirs = sub ? subCgroupDirs(this.paths, sub) : this.paths;
    for (const dir of Object.values(dirs)) joinDir(dir, pid, this.io);
  }

  freeze(): void {
    const freezer = this.dirOf('freezer');
    if (freezer) freezeV1(freezer, this.io);
    else if (this.paths.unified) freezeV2(this.paths.unified, this.io);
    else throw new OcirtError('cannot pause: the container has no freezer cgroup');
  }

  thaw(): void {
    const freezer = this.dirOf('freezer');
    if (freezer) thawV1(freezer, this.io);
    // Someone may have frozen the v2 directory directly.
    if (this.paths.unified && isFrozenV2(this.paths.unified, this.io)) thawV2(this.paths.unified, this.io);
  }

  isFrozen(): boolean {
    const freezer = this.dirOf('freezer');
    if (freezer) return isFrozenV1(freezer, this.io);
    return this.paths.unified ? isFrozenV2(this.paths.unified, this.io) : false;
  }

  // Both freezers: on a hybrid host cgroup.freeze of the v2 tree freezes processes too.
  frozenBy(): FrozenCgroup | undefined {
    const freezer = this.dirOf('freezer');
    const v1 = this.hierarchies().find((h) => h.version === 1 && h.controllers.includes('freezer'));
    const v2 = this.hierarchies().find((h) => h.version === 2);
    return (
      (freezer && v1 ? frozenV1At(freezer, v1.mountPoint, this.io) : undefined) ??
      (this.paths.unified && v2 ? frozenV2At(this.paths.unified, v2.mountPoint, this.io) : undefined)
    );
  }

  killAll(signal: number): void {
    const unified = this.paths.unified;
    if (signal === 9 && unified && this.io.exists(path.join(unified, 'cgroup.kill'))) {
      try {
        this.io.write(path.join(unified, 'cgroup.kill'), '1');
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw OcirtError.fromNode(`kill ${unified}`, err);
      }
    }
    const canFreeze = () => this.dirOf('freezer') !== undefined || unified !== undefined;
    signalAllProcesses({ pids: () => this.pids(), isFrozen: () => this.isFrozen(), canFreeze, freeze: () => this.freeze(), thaw: () => this.thaw() }, signal);
  }

  pids(): number[] {
    const all = new Set<number>();
    for (const dir of Object.values(this.paths)) for (const p of readProcs(dir, this.io)) all.add(p);
    return [...all].sort((a, b) => a - b);
  }

  stats(): CgroupStats {
    return readStatsV1((c) => this.dirOf(c), this.io);
  }

  oomKills(): number | undefined {
    const memory = this.dirOf('memory');
    const text = memory ? readOptional(this.io, path.join(memory, 'memory.oom_control')) : undefined;
    const m = text === undefined ? null : /^oom_kill (\d+)$/m.exec(text);
    return m ? Number(m[1]) : undefined;
  }

  remove(): void {
    for (const dir of Object.values(this.paths)) removeCgroupTree(dir);
  }

  private hierarchies(): HostHierarchy[] {
    this.hierarchiesCache ??= hostHierarchies();
    return this.hierarchiesCache;
  }

  private hostInfo(): HostCgroupInfo {
    return this.opts.host ?? readHostCgroupInfo(this.hierarchies());
  }
}
