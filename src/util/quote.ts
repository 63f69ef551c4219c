/**
 * Quotes a string that may come from a hostile caller (a container id, a signal name)
 * so it can be printed on a terminal or in a log line safely.
 *
 * JSON.stringify already escapes C0 control characters, quotes, backslashes and lone
 * surrogates; on top of that DEL, the C1 controls (0x80-0x9f, where 0x9b is a CSI
 * introducer for some terminals), line/paragraph separators and the bidirectional
 * overrides (which can make text display in a different order) are escaped as \uXXXX.
 * Strings longer than `max` characters are cut, and the cut is said.
 */
export function quote(s: string, max = 128): string {
  const cut = s.length > max;
  const shown = cut ? s.slice(0, max) : s;
  const text = JSON.stringify(shown).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return cut ? `${text}... (${s.length} characters)` : text;
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
