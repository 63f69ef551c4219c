import type { ConfigProblem } from './problems';

/** Deeper than any real config.json (the spec's own nesting stops below 10 levels). */
export const MAX_NESTING = 64;

/**
 * The first place where config.json nests objects and arrays deeper than MAX_NESTING,
 * found without recursion on the raw text, so a hostile document cannot exhaust the
 * stack of the checks that follow (they all recurse over the parsed value).
 */
export function excessiveNesting(text: string, max = MAX_NESTING): ConfigProblem | undefined {
  const path: string[] = [];
  const kinds: Array<'{' | '['> = [];
  const indexes: number[] = [];
  let pendingKey: string | undefined;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      const raw = text.slice(start, i);
      // A string directly followed by ':' in an object is a key.
      let j = i;
      while (j < text.length && ' \t\r\n'.includes(text[j])) j++;
      if (kinds[kinds.length - 1] === '{' && text[j] === ':') pendingKey = safeParse(raw);
      continue;
    }
    if (c === '{' || c === '[') {
      const parent = kinds[kinds.length - 1];
      path.push(parent === '[' ? String(indexes[indexes.length - 1]) : parent === '{' ? (pendingKey ?? '') : '');
      if (kinds.length >= max) {
        const pointer = path.slice(1).map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
        return { pointer: shorten(pointer), reason: `nests deeper than ${max} levels` };
      }
      kinds.push(c);
      indexes.push(0);
    } else if (c === '}' || c === ']') {
      kinds.pop();
      indexes.pop();
      path.pop();
    } else if (c === ',' && kinds[kinds.length - 1] === '[') {
      indexes[indexes.length - 1]++;
    }
    i++;
  }
  return undefined;
}

function safeParse(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return '';
  }
}

/** The first levels of a very long pointer, enough to find it. */
function shorten(pointer: string): string {
  const parts = pointer.split('/');
  return parts.length > 9 ? `${parts.slice(0, 9).join('/')}/…` : pointer;
}
