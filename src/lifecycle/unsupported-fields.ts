import type { Spec } from '../spec/types';

/**
 * Fields of config.json this version of ocirt accepts but does not apply yet. Each is
 * reported as a warning on create, so a container never silently runs with less
 * confinement than its config asked for without the caller being told.
 */
export function unsupportedFields(spec: Spec): string[] {
  const found: string[] = [];
  // Every field of runtime-spec 1.3.0 that applies to Linux is applied now; a field a
  // host cannot honour (AppArmor off, no resctrl...) is refused by the plan compiler.
  void spec;
  return found;
}
