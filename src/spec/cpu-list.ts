// Lists of CPUs or memory nodes in the kernel's "list format": "0-3,7", "" for none.

/** The number of ids in the list, or a reason why the list is malformed. */
export function parseIdList(text: string): { count: number } | { error: string } {
  let count = 0;
  const trimmed = text.trim();
  if (trimmed === '') return { count };
  for (const part of trimmed.split(',')) {
    const m = /^\s*([0-9]+)(?:\s*-\s*([0-9]+))?\s*$/.exec(part);
    if (!m) return { error: `"${part}" is not a number or a range like 0-3` };
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return { error: `range "${part.trim()}" is backwards` };
    count += hi - lo + 1;
  }
  return { count };
}
