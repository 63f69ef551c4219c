// Turns the generated ajv validator's error objects into ConfigProblems with
// short human reasons ("must be <= 4294967295 (uint32), got 4294967296").
import { childPointer, showValue, type ConfigProblem } from './problems';

export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, any>;
}

// JSON numbers beyond 2^53 are rounded; print the limits as the spec writes them.
const EXACT_LIMITS = new Map<number, string>([
  [18446744073709551615, '18446744073709551615'],
  [9223372036854775807, '9223372036854775807'],
  [-9223372036854775808, '-9223372036854775808'],
]);

const ARTICLES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

export function valueAt(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, token)) return undefined;
    cur = (cur as Record<string, unknown>)[token];
  }
  return cur;
}

function limitText(limit: number): string {
  return EXACT_LIMITS.get(limit) ?? String(limit);
}

function intTypeName(schemaPath: string): string {
  const m = /\/definitions\/(u?int\d+)\//.exec(schemaPath);
  return m ? ` (${m[1]})` : '';
}

function describe(err: SchemaError, value: unknown): string {
  const got = `, got ${showValue(value)}`;
  const p = err.params;
  switch (err.keyword) {
    case 'type': {
      const names = String(p.type)
        .split(',')
        .map((t) => ARTICLES[t] ?? t);
      return `must be ${names.join(' or ')}${got}`;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${p.comparison} ${limitText(p.limit)}${intTypeName(err.schemaPath)}${got}`;
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => String(v)).join(', ');
      return `must be one of ${allowed}${got}`;
    }
    case 'pattern':
      return `must match ${p.pattern}${got}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters long`;
    case 'minItems':
      return p.limit === 1 ? 'must not be empty' : `must have at least ${p.limit} items`;
    case 'maxItems':
      return `must have at most ${p.limit} items`;
    default:
      return `does not satisfy the schema's "${err.keyword}" rule`;
  }
}

export function schemaProblems(errors: readonly SchemaError[], doc: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const err of errors) {
    if (err.keyword === 'required') {
      problems.push({ pointer: childPointer(err.instancePath, err.params.missingProperty), reason: 'is required' });
      continue;
    }
    // Composite keywords only repeat what their sub-schemas already reported.
    if (['anyOf', 'oneOf', 'allOf', 'if', '$ref'].includes(err.keyword)) continue;
    problems.push({ pointer: err.instancePath, reason: describe(err, valueAt(doc, err.instancePath)) });
  }
  return problems;
}
