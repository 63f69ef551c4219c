import { defaultConfig } from '../../src/spec/default-config';
import type { Spec } from '../../src/spec/types';

/** The config `ocirt spec` (like `runc spec`) writes, with terminal off and the given args. */
export function defaultSpec(args: string[]): Spec {
  const spec = defaultConfig({ args, terminal: false });
  spec.hostname = 'runc';
  return spec;
}
