// A problem found in config.json, located by a JSON pointer (RFC 6901).
export interface ConfigProblem {
  /** "" for the document itself, e.g. "/process/rlimits/0/type". */
  pointer: string;
  reason: string;
}

export const MAX_PROBLEMS = 50;

export function pointerOf(...tokens: (string | number)[]): string {
  return tokens.map((t) => '/' + String(t).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function childPointer(parent: string, token: string | number): string {
  return parent + pointerOf(token);
}

/** Drops exact duplicates, keeps document order of first appearance, caps the list. */
export function finishProblems(problems: ConfigProblem[], max = MAX_PROBLEMS): ConfigProblem[] {
  const seen = new Set<string>();
  const unique: ConfigProblem[] = [];
  for (const p of problems) {
    const key = p.pointer + '\0' + p.reason;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(p);
  }
  if (unique.length <= max) return unique;
  const more = unique.length - max;
  return [
    ...unique.slice(0, max),
    { pointer: '', reason: `and ${more} more problem${more === 1 ? '' : 's'}` },
  ];
}

/** One line per problem: "config.json: /process/cwd: must be an absolute path". */
export function formatProblems(problems: readonly ConfigProblem[], file = 'config.json'): string {
  return problems
    .map((p) => (p.pointer === '' ? `${file}: ${p.reason}` : `${file}: ${p.pointer}: ${p.reason}`))
    .join('\n');
}

/** Short, single-line rendering of a JSON value for "got ..." suffixes. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const s = JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
    return s;
  }
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** Collects errors (the config is rejected) and warnings (accepted, as runc does, but suspicious). */
export class Findings {
  readonly problems: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];

  error(pointer: string, reason: string): void {
    this.problems.push({ pointer, reason });
  }

  warn(pointer: string, reason: string): void {
    this.warnings.push({ pointer, reason });
  }
}
