import * as path from 'node:path';
import { native } from '../native/binding';
import { isOcirtError, OcirtError } from '../native/error';
import type { CgroupLayout } from '../plan/plan-options';
import type { LinuxResources } from '../spec/types-resources';
import type { RecordCgroup } from '../state/record';
import { applyWrites } from './apply-writes';
import { type CgroupIo, readOptional, realIo } from './cgroup-io';
import type { Translation } from './cgroup-write';
import { DirMaker, joinDir, readProcs, removeCgroupTree } from './cgroupfs';
import { type SubCgroupPaths, subCgroupDirs } from './sub-cgroup';
import { compileDeviceProgram, DEVICE_PROGRAM_LICENSE, encodeProgram } from './device-bpf';
import type { DeviceRule } from './device-rules';
import type { ApplyContext, CgroupDriver } from './driver';
import { type FrozenCgroup, freezeV2, frozenV2At, isFrozenV2, thawV2 } from './freezer';
import { type HostCgroupInfo, readHostCgroupInfo } from './host-info';
import { hostHierarchies } from './host-hierarchies';
import { checkMemoryBeforeUpdate } from './memory-check';
import { checkResources } from './resource-checks';
import { signalAllProcesses } from './signal-all';
import type { CgroupStats } from './stats-types';
import { readStatsV2 } from './stats-v2';
import { translateV2 } from './v2-translate';

export interface CgroupfsV2Options {
  io?: CgroupIo;
  /** Facts about the host; read from /sys when absent. */
  host?: HostCgroupInfo;
  /** Loads the device program into the cgroup (the addon; tests record it instead). */
  loadDevicePrograms?: (dir: string, rules: DeviceRule[]) => void;
}

/**
 * The cgroupfs driver of a unified (cgroup v2) host: one directory, controllers
 * enabled down its ancestors' cgroup.subtree_control (all the host offers, as runc),
 * limits written as runc's fs2 writes them, devices by an eBPF program.
 */
export class CgroupfsV2 implements CgroupDriver {
  readonly kind = 'cgroupfs-v2' as const;
  readonly paths: Readonly<Record<string, string>>;
  private readonly io: CgroupIo;
  private readonly made = new DirMaker();

  /** dir: the container's cgroup; mountPoint: where the v2 hierarchy it is in is mounted. */
  constructor(
    readonly dir: string,
    readonly mountPoint: string,
    private readonly opts: CgroupfsV2Options = {},
  ) {
    this.io = opts.io ?? realIo;
    this.paths = { unified: dir };
  }

  record(): RecordCgroup {
    return { driver: this.kind, paths: { ...this.paths } };
  }

  layout(): CgroupLayout {
    return { version: 2, mounts: [{ subdir: '', hostPath: this.dir, controllers: [] }], symlinks: [] };
  }

  create(resources: LinuxResources | undefined, ctx: ApplyContext = {}): void {
    const res = resources ?? {};
    const host = this.hostInfo();
    checkResources(res, '/linux/resources', host);
    const t = translateV2(res, '/linux/resources', host, { update: false });
    this.made.mkdirs(this.dir);
    this.enableControllers();
    this.apply(t, ctx, false);
  }

  rollback(): void {
    this.made.rollback();
  }

  update(resources: LinuxResources, ctx: ApplyContext = {}): void {
    const host = this.hostInfo();
    checkResources(resources, '', host);
    const t = translateV2(resources, '', host, {
      update: true,
      current: (file) => readOptional(this.io, path.join(this.dir, file)),
    });
    checkMemoryBeforeUpdate(resources, this.dir, 'memory.current', this.io);
    this.apply(t, ctx, true);
  }

  private apply(t: Translation, ctx: ApplyContext, undo: boolean): void {
    applyWrites(t.writes, () => this.dir, this.io, { warn: ctx.warn, undo });
    if (t.deviceRules) (this.opts.loadDevicePrograms ?? loadDeviceProgram)(this.dir, t.deviceRules);
    for (const w of t.warnings) ctx.warn?.(w);
  }

  /**
   * Every ancestor between the mount point and the container's directory hands all its
   * controllers down (runc's CreateCgroupPath); one that refuses some (a threaded
   * subtree, a controller in use elsewhere) is tried controller by controller.
   */
  private enableControllers(): void {
    const rel = path.relative(this.mountPoint, path.dirname(this.dir));
    if (rel.startsWith('..')) return;
    let current = this.mountPoint;
    const steps = rel === '' ? [] : rel.split(path.sep);
    for (let i = 0; i <= steps.length; i++) {
      if (i > 0) current = path.join(current, steps[i - 1]);
      const available = (readOptional(this.io, path.join(current, 'cgroup.controllers')) ?? '').split(/\s+/).filter(Boolean);
      if (available.length === 0) continue;
      const file = path.join(current, 'cgroup.subtree_control');
      try {
        this.io.write(file, available.map((c) => `+${c}`).join(' '));
      } catch {
        for (const c of available) {
          try {
            this.io.write(file, `+${c}`);
          } catch {
            // left to the write that needs it, which then names the controller
          }
        }
      }
    }
  }

  join(pid: number, sub?: SubCgroupPaths, initPid?: number): void {
    if (sub) {
      joinDir(subCgroupDirs({ unified: this.dir }, sub).unified, pid, this.io);
      return;
    }
    try {
      joinDir(this.dir, pid, this.io);
    } catch (err) {
      // The container enabled a domain controller in its own cgroup, which then takes no
      // process of its own (EBUSY): the process goes where the init is now, as runc.
      const fallback = isOcirtError(err) && err.code === 'EBUSY' && initPid ? this.cgroupOf(initPid) : undefined;
      if (!fallback) throw err;
      joinDir(fallback, pid, this.io);
    }
  }

  /** The init's current cgroup, when it is below the container's own. */
  private cgroupOf(pid: number): string | undefined {
    const rel = /^0::(\/.*)$/m.exec(readOptional(this.io, `/proc/${pid}/cgroup`) ?? '')?.[1];
    const dir = rel ? path.join(this.mountPoint, rel) : '';
    return dir.startsWith(`${this.dir}/`) ? dir : undefined;
  }

  freeze(): void {
    freezeV2(this.dir, this.io);
  }

  thaw(): void {
    thawV2(this.dir, this.io);
  }

  isFrozen(): boolean {
    return isFrozenV2(this.dir, this.io);
  }

  frozenBy(): FrozenCgroup | undefined {
    return frozenV2At(this.dir, this.mountPoint, this.io);
  }

  killAll(signal: number): void {
    // cgroup.kill (Linux 5.14) kills the whole subtree at once, forks included.
    if (signal === 9 && this.io.exists(path.join(this.dir, 'cgroup.kill'))) {
      try {
        this.io.write(path.join(this.dir, 'cgroup.kill'), '1');
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // the cgroup is gone: nothing to kill
        throw OcirtError.fromNode(`kill ${this.dir}`, err);
      }
    }
    signalAllProcesses({ pids: () => this.pids(), isFrozen: () => this.isFrozen(), canFreeze: () => this.io.exists(path.join(this.dir, 'cgroup.freeze')), freeze: () => this.freeze(), thaw: () => this.thaw() }, signal);
  }

  pids(): number[] {
    return [...new Set(readProcs(this.dir, this.io))].sort((a, b) => a - b);
  }

  stats(): CgroupStats {
    return readStatsV2(this.dir, this.io);
  }

  oomKills(): number | undefined {
    const text = readOptional(this.io, path.join(this.dir, 'memory.events'));
    const m = text === undefined ? null : /^oom_kill (\d+)$/m.exec(text);
    return m ? Number(m[1]) : undefined;
  }

  remove(): void {
    removeCgroupTree(this.dir);
  }

  private hostInfo(): HostCgroupInfo {
    return this.opts.host ?? readHostCgroupInfo(hostHierarchies());
  }
}

/** Compiles the rules to eBPF and attaches the program to the cgroup (replacing an older one). */
function loadDeviceProgram(dir: string, rules: DeviceRule[]): void {
  const program = encodeProgram(compileDeviceProgram(rules));
  try {
    native().attachDeviceFilter(dir, program, DEVICE_PROGRAM_LICENSE);
  } catch (err) {
    const e = err as { errno?: number; syscall?: string; log?: string };
    const log = e.log ? ` (verifier: ${e.log.trim().split('\n').slice(-1)[0]})` : '';
    if (typeof e.errno === 'number') {
      throw OcirtError.fromSys(`/linux/resources/devices: load the device filter into ${dir}${log}`, { errno: e.errno, syscall: e.syscall, path: dir });
    }
    throw err;
  }
}
