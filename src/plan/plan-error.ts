import { OcirtError } from '../native/error';

/**
 * A JSON pointer (RFC 6901) into config.json: `pointer('mounts', 3, 'source')` is
 * `/mounts/3/source`; `~` and `/` inside a segment are escaped as `~0` and `~1`.
 */
export function pointer(...segments: Array<string | number>): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/**
 * The error of a config the plan compiler refuses: `/mounts/3/source: mount source /x
 * does not exist`, the same `pointer: reason` shape the schema validation uses.
 */
export function planError(at: string, message: string): OcirtError {
  return new OcirtError(`${at}: ${message}`, { stage: 'plan' });
}
