import { OcirtError } from '../native/error';

/** Where a container goes under the systemd cgroup driver. */
export interface SystemdPlacement {
  /** The parent slice unit ("machine.slice"); the default when cgroupsPath gave none. */
  slice: string;
  prefix: string;
  name: string;
  /** The unit ocirt creates: "<prefix>-<name>.scope", or the name itself when it is a slice. */
  unit: string;
  unitType: 'scope' | 'slice';
  /** The unit's cgroup, relative to the cgroup mount: "/machine.slice/libpod-ID.scope". */
  cgroupDir: string;
}

const POINTER = '/linux/cgroupsPath';
/** The prefix of the scope when config.json has no cgroupsPath (runc uses its own name too). */
export const DEFAULT_SCOPE_PREFIX = 'ocirt';
/** systemd's limit on unit names (UNIT_NAME_MAX). */
const UNIT_NAME_MAX = 255;

/**
 * linux.cgroupsPath for the systemd driver, as runc reads it: "slice:prefix:name"
 * ("machine.slice:libpod:ID"). An empty slice is system.slice (user.slice rootless);
 * no cgroupsPath at all is "<default slice>:ocirt:<container id>". A name ending in
 * ".slice" makes a slice unit instead of a scope, placed where systemd places slices
 * (by its dashes: a-b.slice under a.slice), whatever the parent.
 */
export function systemdPlacement(cgroupsPath: string | undefined, containerId: string, opts: { rootless?: boolean } = {}): SystemdPlacement {
  const defaultSlice = opts.rootless ? 'user.slice' : 'system.slice';
  let slice = defaultSlice;
  let prefix = DEFAULT_SCOPE_PREFIX;
  let name = containerId;
  if (cgroupsPath) {
    const parts = cgroupsPath.split(':');
    if (parts.length !== 3) {
      throw new OcirtError(
        `${POINTER}: expected "slice:prefix:name" for the systemd cgroup driver (e.g. "machine.slice:libpod:ID"), got ${JSON.stringify(cgroupsPath)}`,
      );
    }
    [slice, prefix, name] = parts;
    if (slice === '') slice = defaultSlice;
  }
  if (name === '') throw new OcirtError(`${POINTER}: the name part of "slice:prefix:name" is empty: ${JSON.stringify(cgroupsPath)}`);
  const sliceDir = expandSlice(slice, `${POINTER}: the slice part`);
  const isSlice = name.endsWith('.slice');
  const unit = isSlice ? name : `${prefix}-${name}.scope`;
  checkUnitName(unit);
  const cgroupDir = isSlice ? expandSlice(unit, `${POINTER}: the name part`) : joinCgroup(sliceDir, unit);
  return { slice, prefix, name, unit, unitType: isSlice ? 'slice' : 'scope', cgroupDir };
}

/**
 * A slice's cgroup directory from its name, as systemd lays slices out: each dash a
 * level ("a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice"); "-.slice" is the root.
 */
export function expandSlice(slice: string, what = 'slice'): string {
  const suffix = '.slice';
  if (!slice.endsWith(suffix) || slice.length <= suffix.length || slice.includes('/')) {
    throw new OcirtError(`${what}: invalid slice name ${JSON.stringify(slice)} (a systemd slice unit: "name.slice", no "/")`);
  }
  const base = slice.slice(0, -suffix.length);
  if (base === '-') return '/';
  let dir = '';
  let prefix = '';
  for (const component of base.split('-')) {
    if (component === '') {
      throw new OcirtError(`${what}: invalid slice name ${JSON.stringify(slice)} (empty part between dashes)`);
    }
    dir += `/${prefix}${component}${suffix}`;
    prefix += `${component}-`;
  }
  return dir;
}

/** The characters systemd takes in unit names (unit_name_is_valid). */
function checkUnitName(unit: string): void {
  if (unit.length > UNIT_NAME_MAX) {
    throw new OcirtError(`${POINTER}: the unit name ${unit} is longer than systemd's limit of ${UNIT_NAME_MAX} characters`);
  }
  const bad = /[^A-Za-z0-9:_.\\@-]/.exec(unit);
  if (bad) {
    throw new OcirtError(`${POINTER}: the unit name ${JSON.stringify(unit)} has ${JSON.stringify(bad[0])}, which systemd does not take in unit names`);
  }
}

function joinCgroup(dir: string, unit: string): string {
  return dir === '/' ? `/${unit}` : `${dir}/${unit}`;
}
