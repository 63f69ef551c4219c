import type { CgroupLayout } from '../plan/plan-options';
import type { LinuxResources } from '../spec/types-resources';
import type { RecordCgroup } from '../state/record';
import type { FrozenCgroup } from './freezer';
import type { CgroupStats } from './stats-types';
import type { SubCgroupPaths } from './sub-cgroup';

/** What a driver needs from the command that uses it. */
export interface ApplyContext {
  /** Settings the host cannot enforce and that were skipped. */
  warn?: (message: string) => void;
}

/**
 * A container's cgroup, whatever the host's layout: the cgroupfs drivers for cgroup
 * v1 (legacy and hybrid hosts) and v2 (unified hosts) implement it, a systemd driver
 * will. `create` runs in `create`; every later command opens the driver again from
 * the state record (openCgroupDriver), without reading config.json.
 */
export interface CgroupDriver {
  readonly kind: RecordCgroup['driver'];
  /** The systemd unit that owns the cgroup (systemd driver), for state.json. */
  readonly systemdUnit?: string;
  /** Key → the container's cgroup directory (v1: controller list of the hierarchy; v2: "unified"). */
  readonly paths: Readonly<Record<string, string>>;
  /** What state.json records. */
  record(): RecordCgroup;
  /** The cgroup mounts the plan compiler lays out in the container (create only). */
  layout(): CgroupLayout;
  /**
   * Checks linux.resources against the host (nothing is made for bad input), makes the
   * cgroup directories and applies the resources, so that limits hold before any
   * process joins. On failure the caller calls rollback().
   */
  create(resources: LinuxResources | undefined, ctx?: ApplyContext): void;
  /** Removes what create made. */
  rollback(): void;
  /** `update`: applies a change; a failed update puts back the limits it had changed. */
  update(resources: LinuxResources, ctx?: ApplyContext): void;
  /**
   * Moves a process (the init before it runs, or an exec'd process) into the cgroup,
   * or into existing sub-cgroups of it (`exec --cgroup`). initPid (exec without
   * --cgroup): on cgroup v2, where the container's cgroup refuses processes because the
   * container enabled domain controllers in it, the process joins the init's cgroup.
   */
  join(pid: number, sub?: SubCgroupPaths, initPid?: number): void;
  freeze(): void;
  thaw(): void;
  isFrozen(): boolean;
  /**
   * Whether a process put in the container's cgroup would be frozen, by its own freezer
   * or an ancestor's; also before create() made the directories. create refuses such a
   * cgroup: the init would freeze in it and create wait for it for ever.
   */
  frozenBy(): FrozenCgroup | undefined;
  /** Signals every process of the cgroup (and its sub-cgroups). */
  killAll(signal: number): void;
  /** Host pids of every process in the cgroup and its sub-cgroups, ascending. */
  pids(): number[];
  stats(): CgroupStats;
  /** OOM kills so far (memory.events oom_kill, memory.oom_control oom_kill); undefined if unknown. */
  oomKills(): number | undefined;
  /** Removes the cgroup and its sub-cgroups (`delete`); a missing one is fine. */
  remove(): void;
}
