import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';
import type { Spec } from '../spec/types';
import { loadBundle } from './bundle';

/**
 * `<root>/<id>/config.json`: the container's config as `create` validated it, so that
 * `exec` takes the process defaults (environment, user, capabilities, rlimits,
 * noNewPrivileges...) from what the container was made with, even if the bundle's
 * config.json changed or went away since. Readers that do not exec ignore it.
 */
export const CONTAINER_CONFIG_FILE = 'config.json';

export function saveContainerConfig(stateDir: string, spec: Spec): void {
  const file = path.join(stateDir, CONTAINER_CONFIG_FILE);
  try {
    fs.writeFileSync(file, JSON.stringify(spec), { mode: 0o600 });
  } catch (err) {
    throw OcirtError.fromNode(`write ${file}`, err);
  }
}

/** The saved config; for a container made before it was saved, the bundle's. */
export function loadContainerConfig(stateDir: string, bundle: string): Spec {
  const file = path.join(stateDir, CONTAINER_CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return loadBundle(bundle).spec;
    throw OcirtError.fromNode(`read ${file}`, err);
  }
  try {
    return JSON.parse(text) as Spec;
  } catch (err) {
    throw new OcirtError(`corrupt ${file}: ${(err as Error).message}`, { path: file });
  }
}
