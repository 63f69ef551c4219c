// Checks one uid_map or gid_map the way the kernel will judge it when written
// (kernel/user_namespace.c: map_write), so the error names the JSON entry.
import { childPointer, type Findings } from './problems';
import type { LinuxIdMapping } from './types';

const UINT32_MAX = 4294967295;
/** Maximum number of lines in /proc/<pid>/uid_map since Linux 4.15. */
export const MAX_ID_MAPPINGS = 340;

function range(start: number, size: number): string {
  return size <= 1 ? String(start) : `${start}..${start + size - 1}`;
}

export function checkIdMappings(maps: readonly LinuxIdMapping[], pointer: string, f: Findings): void {
  if (maps.length > MAX_ID_MAPPINGS) {
    // The pairwise checks below are quadratic: a list the kernel refuses anyway is not
    // looked at further.
    f.error(pointer, `has ${maps.length} entries; the kernel accepts at most ${MAX_ID_MAPPINGS}`);
    return;
  }
  maps.forEach((m, i) => {
    const at = childPointer(pointer, i);
    if (m.size === 0) {
      f.error(childPointer(at, 'size'), 'must be at least 1');
      return;
    }
    for (const field of ['containerID', 'hostID'] as const) {
      if (m[field] + m.size - 1 > UINT32_MAX) {
        f.error(childPointer(at, 'size'), `${field} range ${range(m[field], m.size)} goes past ${UINT32_MAX}`);
      }
    }
    for (let j = 0; j < i; j++) {
      const other = maps[j];
      if (other.size === 0) continue;
      for (const field of ['containerID', 'hostID'] as const) {
        const a = m[field];
        const b = other[field];
        if (a < b + other.size && b < a + m.size) {
          f.error(
            childPointer(at, field),
            `range ${range(a, m.size)} overlaps ${childPointer(pointer, j)} (${field} ${range(b, other.size)})`,
          );
        }
      }
    }
  });
}
