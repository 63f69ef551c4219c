import { OcirtError } from '../native/error';
import { quote } from '../util/quote';

/**
 * Longest id accepted, in bytes. runc has no limit, but the id is a directory name
 * under the state root (and part of cgroup and systemd unit names), and NAME_MAX is 255
 * on every Linux filesystem: a longer id could never be created anyway.
 */
export const MAX_CONTAINER_ID_LENGTH = 255;

const ALLOWED = /^[A-Za-z0-9_+.-]+$/;

/**
 * Throws an OcirtError unless `id` is a valid container id: 1 to 255 characters of
 * [A-Za-z0-9_+.-], and neither `.` nor `..`. Ids are checked before any file is touched,
 * so a hostile id (`../x`, `a/b`, control characters) never reaches a path.
 */
export function validateContainerId(id: string): void {
  const reason = invalidIdReason(id);
  if (reason !== undefined) {
    throw new OcirtError(`invalid container id ${quote(String(id), 64)}: ${reason}`);
  }
}

/** The reason an id is invalid, or undefined when it is valid. */
export function invalidIdReason(id: string): string | undefined {
  if (typeof id !== 'string') return 'not a string';
  if (id.length === 0) return 'empty';
  if (Buffer.byteLength(id) > MAX_CONTAINER_ID_LENGTH) {
    return `longer than ${MAX_CONTAINER_ID_LENGTH} bytes (NAME_MAX)`;
  }
  if (id === '.' || id === '..') return 'must not be "." or ".."';
  if (!ALLOWED.test(id)) return 'only letters, digits and _ + . - are allowed';
  return undefined;
}
