import * as fs from 'node:fs';
import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import type { UnitProperty } from './systemd-properties';

/** The sd-bus calls of ocirt.node (addon/src/napi/systemd_bus.cc). */
interface SystemdNative {
  systemdBusBuilt(): boolean;
  /** Returns the job's result: "done", "failed", "canceled", "timeout", "dependency", "skipped". */
  systemdStartTransientUnit(req: { user: boolean; unit: string; mode: string; properties: UnitProperty[]; timeoutMs?: number }): string;
  systemdStopUnit(req: { user: boolean; unit: string; timeoutMs?: number }): string;
  systemdSetUnitProperties(req: { user: boolean; unit: string; runtime: boolean; properties: UnitProperty[] }): void;
  systemdResetFailedUnit(req: { user: boolean; unit: string }): void;
  systemdManagerProperty(req: { user: boolean; name: string }): string;
}

interface BusError extends Error {
  errno?: number;
  dbusName?: string;
}

/** What the systemd driver asks of systemd; an interface so that tests can record it. */
export interface SystemdManager {
  /** The manager's version number (252 for "252.19-1~deb12u1"); -1 when unknown. */
  version(): number;
  /** Starts a transient unit and waits until its start job has finished. */
  startUnit(unit: string, properties: UnitProperty[]): void;
  /** SetUnitProperties with runtime=true (lost at reboot, as the unit itself). */
  setProperties(unit: string, properties: UnitProperty[]): void;
  /** Stops the unit and waits for it; a unit that no longer exists is fine. */
  stopUnit(unit: string): void;
  /** The manager's own cgroup ("" for the system manager; a user manager's user@UID.service). */
  controlGroup(): string;
}

const JOB_TIMEOUT_MS = 30000;

/**
 * systemd over D-Bus with sd-bus (libsystemd), in the Node process: synchronous calls,
 * one connection a process, the job of each start and stop waited for through its
 * JobRemoved signal. `user`: the user's own manager (rootless), else the system one.
 */
export class DbusSystemdManager implements SystemdManager {
  private cachedVersion?: number;

  constructor(private readonly user = false) {}

  private bus(): SystemdNative {
    const b = native() as unknown as SystemdNative;
    if (typeof b.systemdBusBuilt !== 'function' || !b.systemdBusBuilt()) {
      throw new OcirtError('the systemd cgroup driver is not available: ocirt was built without libsystemd (install libsystemd-dev and rebuild the addon)');
    }
    if (!this.user && !isSystemdBooted()) {
      throw new OcirtError('the systemd cgroup driver needs systemd as the init system (no /run/systemd/system): use --cgroup-manager cgroupfs');
    }
    return b;
  }

  version(): number {
    if (this.cachedVersion === undefined) {
      try {
        this.cachedVersion = parseSystemdVersion(this.bus().systemdManagerProperty({ user: this.user, name: 'Version' }));
      } catch (err) {
        if (err instanceof OcirtError) throw err;
        this.cachedVersion = -1;
      }
    }
    return this.cachedVersion;
  }

  controlGroup(): string {
    if (!this.user) return '';
    try {
      return this.bus().systemdManagerProperty({ user: true, name: 'ControlGroup' });
    } catch (err) {
      throw busError('read the user manager\'s cgroup (ControlGroup)', err);
    }
  }

  startUnit(unit: string, properties: UnitProperty[]): void {
    const b = this.bus();
    const start = () => b.systemdStartTransientUnit({ user: this.user, unit, mode: 'replace', properties, timeoutMs: JOB_TIMEOUT_MS });
    let result: string;
    try {
      result = start();
    } catch (err) {
      if ((err as BusError).dbusName !== 'org.freedesktop.systemd1.UnitExists') throw busError(`start unit ${unit}`, err);
      // Perhaps a failed leftover of an earlier container of the same name: reset it and try once more.
      this.resetFailed(unit);
      try {
        result = start();
      } catch (again) {
        if ((again as BusError).dbusName === 'org.freedesktop.systemd1.UnitExists') {
          throw new OcirtError(`start unit ${unit}: a systemd unit of that name already exists (another container with the same cgroupsPath?)`);
        }
        throw busError(`start unit ${unit}`, again);
      }
    }
    if (result !== 'done') {
      this.resetFailed(unit);
      throw new OcirtError(`start unit ${unit}: systemd's start job ended with "${result}" (see journalctl -u ${unit})`);
    }
  }

  setProperties(unit: string, properties: UnitProperty[]): void {
    if (properties.length === 0) return;
    try {
      this.bus().systemdSetUnitProperties({ user: this.user, unit, runtime: true, properties });
    } catch (err) {
      throw busError(`set properties of unit ${unit}`, err);
    }
  }

  stopUnit(unit: string): void {
    const b = this.bus();
    try {
      b.systemdStopUnit({ user: this.user, unit, timeoutMs: JOB_TIMEOUT_MS });
    } catch (err) {
      if ((err as BusError).dbusName !== 'org.freedesktop.systemd1.NoSuchUnit') throw busError(`stop unit ${unit}`, err);
    }
    // A unit that failed stays loaded until reset; let systemd forget it.
    this.resetFailed(unit);
  }

  private resetFailed(unit: string): void {
    try {
      this.bus().systemdResetFailedUnit({ user: this.user, unit });
    } catch {
      // not loaded, or not failed: nothing to forget
    }
  }
}

/** "252.19-1~deb12u1", "v245.4-1.fc32", "245" → the leading number; -1 when there is none. */
export function parseSystemdVersion(text: string): number {
  const m = /^"?v?(\d+)/.exec(text.trim());
  return m ? Number(m[1]) : -1;
}

/** sd_booted(3): systemd is PID 1 when /run/systemd/system is a directory. */
export function isSystemdBooted(): boolean {
  try {
    return fs.lstatSync('/run/systemd/system').isDirectory();
  } catch {
    return false;
  }
}

function busError(what: string, err: unknown): OcirtError {
  if (err instanceof OcirtError) return err;
  const e = err as BusError;
  const detail = e?.message ?? String(err);
  return new OcirtError(detail.startsWith(what) ? detail : `${what}: ${detail}`, { errno: e?.dbusName ? undefined : e?.errno });
}
