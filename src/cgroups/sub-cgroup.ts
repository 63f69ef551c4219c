import * as path from 'node:path';
import { OcirtError } from '../native/error';

/**
 * `exec --cgroup`: the existing sub-cgroup(s) of the container's cgroup the process
 * joins instead of the container's own. `all`: one path below every hierarchy (cgroup
 * v2, or every v1 hierarchy); `byController`: v1 controller → path below the
 * hierarchy that has that controller.
 */
export type SubCgroupPaths = { all: string } | { byController: Record<string, string> };

/** The --cgroup values as runc reads them: `PATH` alone, or repeatable `ctrl[,ctrl]:PATH`. */
export function parseSubCgroupArgs(args: readonly string[]): SubCgroupPaths | undefined {
  if (args.length === 0) return undefined;
  const byController: Record<string, string> = {};
  for (const arg of args) {
    const parts = arg.split(':');
    if (parts.length > 2) throw new OcirtError(`invalid --cgroup argument: ${arg} (one <controller>: prefix at most)`);
    if (parts.length === 1) {
      if (args.length !== 1) throw new OcirtError(`invalid --cgroup argument: ${arg} (missing <controller>: prefix)`);
      return { all: arg };
    }
    const [controllers, sub] = parts;
    for (const c of controllers.split(',')) {
      if (c === '') throw new OcirtError(`invalid --cgroup argument: ${arg} (empty controller name)`);
      byController[c] = sub;
    }
  }
  return { byController };
}

/**
 * The directories to join: `paths` (the container's, keyed by hierarchy as the state
 * record has them: "cpu,cpuacct", "memory", "unified") with the sub paths applied.
 * A path that leads out of the container's cgroup, an unknown controller, or two
 * controllers of one hierarchy given different paths are refused.
 */
export function subCgroupDirs(paths: Readonly<Record<string, string>>, sub: SubCgroupPaths): Record<string, string> {
  const out: Record<string, string> = { ...paths };
  if ('all' in sub) {
    for (const key of Object.keys(paths)) out[key] = below(paths[key], sub.all);
    return out;
  }
  const givenFor: Record<string, string> = {};
  for (const [controller, rel] of Object.entries(sub.byController)) {
    const key = Object.keys(paths).find((k) => k === controller || k.split(',').includes(controller));
    if (key === undefined) {
      throw new OcirtError(`--cgroup: unknown controller ${controller} (the container's cgroup hierarchies: ${Object.keys(paths).join(' ') || 'none'})`);
    }
    const dir = below(paths[key], rel);
    if (givenFor[key] !== undefined && out[key] !== dir) {
      throw new OcirtError(`--cgroup: ${givenFor[key]} and ${controller} share the cgroup v1 hierarchy ${key} but were given different paths`);
    }
    givenFor[key] = controller;
    out[key] = dir;
  }
  return out;
}

function below(dir: string, rel: string): string {
  const joined = path.join(dir, rel).replace(/(.)\/+$/, '$1');
  if (joined !== dir && !joined.startsWith(`${dir}/`)) {
    throw new OcirtError(`--cgroup: ${rel} is not a sub cgroup path (it leads out of the container's cgroup ${dir})`);
  }
  return joined;
}
