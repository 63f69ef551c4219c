import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';
import type { CgroupLayout } from '../plan/plan-options';
import type { LinuxResources } from '../spec/types-resources';
import type { RecordCgroup } from '../state/record';
import { type CgroupIo, readOptional, realIo } from './cgroup-io';
import { CgroupfsV1 } from './cgroupfs-v1';
import { CgroupfsV2 } from './cgroupfs-v2';
import type { DeviceRule } from './device-rules';
import type { FrozenCgroup } from './freezer';
import type { ApplyContext, CgroupDriver } from './driver';
import { type HostCgroupInfo, readHostCgroupInfo } from './host-info';
import { cgroupMode, type HostHierarchy, hostHierarchies } from './host-hierarchies';
import { checkMemoryBeforeUpdate } from './memory-check';
import { checkResources } from './resource-checks';
import type { CgroupStats } from './stats-types';
import type { SubCgroupPaths } from './sub-cgroup';
import { DbusSystemdManager, type SystemdManager } from './systemd-bus';
import { annotationProperties } from './systemd-annotations';
import type { SystemdPlacement } from './systemd-path';
import { translateV1 } from './v1-translate';
import { translateV2 } from './v2-translate';
import { type ResourceProperties, resourceProperties, type ResourcePropertyOptions, type UnitProperty, unitStartProperties } from './systemd-properties';

export interface SystemdDriverOptions {
  manager?: SystemdManager;
  /** The host's cgroup mounts; read from mountinfo when absent. */
  hierarchies?: HostHierarchy[];
  io?: CgroupIo;
  host?: HostCgroupInfo;
  loadDevicePrograms?: (dir: string, rules: DeviceRule[]) => void;
  /** config.json's annotations: org.systemd.property.* become unit properties (as runc). */
  annotations?: Record<string, string>;
  /** A rootless caller: its own user manager (the session bus), units under its user@UID.service. */
  rootless?: boolean;
  /** Device lookups for DeviceAllow (tests); /proc/devices and the real /dev otherwise. */
  devices?: Pick<ResourcePropertyOptions, 'procDevices' | 'deviceNodeExists'>;
}

type Files = CgroupfsV1 | CgroupfsV2;

/**
 * The systemd cgroup driver: systemd owns the container's cgroup as a transient unit
 * (a scope with Delegate=yes, made over D-Bus with the init's first pid in it), and the
 * unit's properties carry the limits systemd knows, so that a daemon-reload does not
 * undo them. Everything else (the limits systemd has no property for, devices by eBPF,
 * freezing, killing, stats, exec'd processes joining) goes through the same cgroupfs
 * code as the cgroupfs drivers, in the unit's directory: cgroup v2 on a unified host,
 * the v1 hierarchies (and the hybrid v2 tree) otherwise.
 */
export class SystemdDriver implements CgroupDriver {
  readonly kind = 'systemd' as const;
  readonly paths: Readonly<Record<string, string>>;
  private readonly files: Files;
  private readonly manager: SystemdManager;
  private readonly version: 1 | 2;
  private pending?: { computed: ResourceProperties; ctx: ApplyContext };
  private readonly extraProperties: UnitProperty[];
  /**
   * What state.json records. A new driver's names no cgroup until its unit is started
   * (join fills it in): a create that fails before, on a unit of the same name that
   * another container holds, must not have `delete` stop that container's unit.
   */
  private readonly recorded: RecordCgroup;

  private constructor(
    readonly systemdUnit: string,
    paths: Record<string, string>,
    private readonly placement: SystemdPlacement | undefined,
    private started: boolean,
    private readonly opts: SystemdDriverOptions,
  ) {
    this.paths = paths;
    this.recorded = { driver: 'systemd', paths: started ? { ...paths } : {} };
    this.extraProperties = annotationProperties(opts.annotations);
    this.manager = opts.manager ?? new DbusSystemdManager(opts.rootless === true);
    this.version = Object.keys(paths).some((k) => k !== 'unified') ? 1 : 2;
    const io = opts.io ?? realIo;
    if (this.version === 2) {
      const mount = (opts.hierarchies ?? hostHierarchies()).find((h) => h.version === 2)?.mountPoint ?? '/sys/fs/cgroup';
      this.files = new CgroupfsV2(paths.unified, mount, { io, host: opts.host, loadDevicePrograms: opts.loadDevicePrograms });
    } else {
      this.files = new CgroupfsV1(paths, { io, host: opts.host, hierarchies: opts.hierarchies });
    }
  }

  /** A new container's unit, not yet started: `join` of the first process starts it. */
  static forNew(placement: SystemdPlacement, opts: SystemdDriverOptions = {}): SystemdDriver {
    const hierarchies = opts.hierarchies ?? hostHierarchies();
    const mode = cgroupMode(hierarchies);
    if (mode === 0) throw new OcirtError('the systemd cgroup driver needs a cgroup filesystem, and this host mounts none');
    const manager = opts.manager ?? new DbusSystemdManager(opts.rootless === true);
    const base = opts.rootless ? manager.controlGroup() : '';
    const paths: Record<string, string> = {};
    for (const h of hierarchies) {
      if (mode === 2 && h.version !== 2) continue;
      paths[h.version === 2 ? 'unified' : h.controllers.join(',')] = path.join(h.mountPoint, base, placement.cgroupDir);
    }
    return new SystemdDriver(placement.unit, paths, placement, false, { ...opts, hierarchies, manager });
  }

  /** An existing container's unit, from its state record (the unit is its directory's name). */
  static fromRecord(rec: RecordCgroup, opts: SystemdDriverOptions = {}): SystemdDriver {
    const dirs = Object.values(rec.paths);
    if (dirs.length === 0) throw new OcirtError('corrupt state: the systemd cgroup driver recorded no cgroup path');
    // A unit of a user manager lives under its user@UID.service.
    const rootless = opts.rootless ?? /\/user@\d+\.service\//.test(dirs[0]);
    return new SystemdDriver(path.basename(dirs[0]), { ...rec.paths }, undefined, true, { ...opts, rootless });
  }

  /** The same object for the driver's life: join adds the paths once the unit exists. */
  record(): RecordCgroup {
    return this.recorded;
  }

  layout(): CgroupLayout {
    return this.files.layout();
  }

  /**
   * Checks and translates the resources now (bad input fails before anything exists);
   * the unit itself needs a process, so it is started by the first `join`, before that
   * process runs anything of the container.
   */
  create(resources: LinuxResources | undefined, ctx: ApplyContext = {}): void {
    const res = resources ?? {};
    // The file part's checks too, so that nothing is made for input it would refuse.
    const host = this.opts.host ?? readHostCgroupInfo(this.opts.hierarchies ?? hostHierarchies());
    checkResources(res, '/linux/resources', host);
    if (this.version === 2) translateV2(res, '/linux/resources', host, { update: false });
    else translateV1(res, '/linux/resources', host, { update: false });
    this.pending = { computed: this.propertiesFor(res, false, ctx), ctx };
  }

  join(pid: number, sub?: SubCgroupPaths, initPid?: number): void {
    if (this.started) {
      this.files.join(pid, sub, initPid);
      return;
    }
    if (sub) throw new OcirtError('--cgroup: the container\'s systemd unit has not been started');
    const pending = this.pending ?? { computed: this.propertiesFor({}, false, {}), ctx: {} };
    const resources = pending.computed;
    const placement = this.placement!;
    const start = unitStartProperties({
      unit: placement.unit,
      unitType: placement.unitType,
      slice: placement.slice,
      name: placement.name,
      pid: placement.unitType === 'scope' ? pid : undefined,
      cgroupVersion: this.version,
    });
    this.manager.startUnit(this.systemdUnit, [...start, ...this.extraProperties, ...resources.properties]);
    this.started = true;
    Object.assign(this.recorded.paths, this.paths);
    this.pending = undefined;
    // The limits systemd has no property for, and the device program; the same values
    // again for those it has (systemd wrote them already).
    this.files.create(resources.resources, pending.ctx);
    // A slice takes no PIDs, and on cgroup v1 systemd places the process only in the
    // hierarchies it manages: the files put it everywhere else.
    if (placement.unitType === 'slice' || this.version === 1) this.files.join(pid);
  }

  rollback(): void {
    if (this.started) this.remove();
    else this.files.rollback();
  }

  update(resources: LinuxResources, ctx: ApplyContext = {}): void {
    // Before systemd applies a lower memory limit, which could OOM-kill the container.
    if (this.version === 2) checkMemoryBeforeUpdate(resources, this.paths.unified, 'memory.current', this.opts.io ?? realIo);
    const r = this.propertiesFor(resources, true, ctx);
    this.manager.setProperties(this.systemdUnit, r.properties);
    this.files.update(r.resources, ctx);
  }

  private propertiesFor(res: LinuxResources, update: boolean, ctx: ApplyContext): ResourceProperties {
    return resourceProperties(res, {
      cgroupVersion: this.version,
      systemdVersion: this.manager.version(),
      update,
      at: update ? '' : '/linux/resources',
      currentMemoryLimit: () => this.currentMemoryLimit(),
      procDevices: this.opts.devices?.procDevices ?? (() => readOptional(realIo, '/proc/devices') ?? ''),
      deviceNodeExists: this.opts.devices?.deviceNodeExists ?? ((p) => fs.existsSync(p)),
      warn: ctx.warn,
    });
  }

  private currentMemoryLimit(): number {
    const io = this.opts.io ?? realIo;
    const text = this.version === 2 ? readOptional(io, path.join(this.paths.unified, 'memory.max')) : undefined;
    if (text === undefined) return 0;
    return text === 'max' ? -1 : Number(text) || 0;
  }

  freeze(): void {
    this.files.freeze();
  }

  thaw(): void {
    this.files.thaw();
  }

  isFrozen(): boolean {
    return this.files.isFrozen();
  }

  // Before the unit exists its directory is not there, but its slice may be frozen.
  frozenBy(): FrozenCgroup | undefined {
    return this.files.frozenBy();
  }

  // Before this driver started its unit, a directory of that name is someone else's.
  killAll(signal: number): void {
    if (this.started) this.files.killAll(signal);
  }

  pids(): number[] {
    return this.started ? this.files.pids() : [];
  }

  stats(): CgroupStats {
    return this.files.stats();
  }

  oomKills(): number | undefined {
    return this.files.oomKills();
  }

  /**
   * Stops the unit (systemd removes its cgroup), then removes what is left: the
   * sub-cgroups a container made, and on cgroup v1 the hierarchies systemd does not
   * manage. A unit already gone (its processes all exited) is fine.
   */
  remove(): void {
    let stopError: unknown;
    try {
      this.manager.stopUnit(this.systemdUnit);
    } catch (err) {
      stopError = err;
    }
    this.files.remove();
    // Without systemd at hand (the bus down) the unit is gone anyway once its cgroup is.
    if (stopError && Object.values(this.paths).some((d) => fs.existsSync(d))) throw stopError;
  }
}
