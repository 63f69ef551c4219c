import * as fs from 'node:fs';

/** A range of host ids a user may map: /etc/subuid or /etc/subgid `name:start:count`. */
export interface IdRange {
  start: number;
  count: number;
}

export const SUBUID_FILE = '/etc/subuid';
export const SUBGID_FILE = '/etc/subgid';

/**
 * The ranges delegated to a user, as shadow's newuidmap reads them: lines naming the
 * user by name or by numeric id. A missing file means none.
 */
export function subordinateRanges(text: string, user: { name: string; id: number }): IdRange[] {
  const out: IdRange[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(':');
    if (f.length !== 3 || (f[0] !== user.name && f[0] !== String(user.id))) continue;
    const start = Number(f[1]);
    const count = Number(f[2]);
    if (Number.isSafeInteger(start) && Number.isSafeInteger(count) && count > 0) out.push({ start, count });
  }
  return out;
}

export function readSubordinateRanges(file: string, user: { name: string; id: number }): IdRange[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return subordinateRanges(text, user);
}

/** Whether [start, start+size) lies inside one of the ranges. */
export function withinRanges(start: number, size: number, ranges: readonly IdRange[]): boolean {
  return ranges.some((r) => start >= r.start && start + size <= r.start + r.count);
}
