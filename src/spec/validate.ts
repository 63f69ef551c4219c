// config.json → typed Spec, or every problem found, each named by its JSON pointer.
import { oversizedIntegers } from './big-integers';
import { describeJsonSyntaxError } from './json-syntax';
import { excessiveNesting } from './nesting';
import { acceptAsRunc, applyGoDefaults, withoutNulls } from './normalize';
import { Findings, finishProblems, type ConfigProblem } from './problems';
import { schemaProblems, type SchemaError } from './schema-errors';
import { checkSemantics, DEFAULT_SEMANTIC_OPTIONS, type SemanticOptions } from './semantic';
import type { Spec } from './types';

export { formatProblems, type ConfigProblem } from './problems';
export type { SemanticOptions as ValidateOptions } from './semantic';

export type ConfigResult =
  | { ok: true; spec: Spec; warnings: ConfigProblem[] }
  | { ok: false; problems: ConfigProblem[] };

interface SchemaValidator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

let schemaValidator: SchemaValidator | undefined;

function loadSchemaValidator(): SchemaValidator {
  // Generated at build time by scripts/gen-validator.mjs; loaded only when needed.
  schemaValidator ??= require('./generated/validator') as SchemaValidator;
  return schemaValidator;
}

export function parseConfig(text: string, options?: Partial<SemanticOptions>): ConfigResult {
  const nested = excessiveNesting(text);
  if (nested) return { ok: false, problems: [nested] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [{ pointer: '', reason: describeJsonSyntaxError(text, err) }] };
  }
  const oversized = oversizedIntegers(text);
  if (oversized.length > 0) return { ok: false, problems: finishProblems(oversized) };
  return validateConfig(json, options);
}

/**
 * Validates a parsed config.json: the JSON schema first, then (only if the schema
 * passes) the semantic checks. Does not modify `json`; the returned Spec is a copy
 * with null properties removed, keys and device access strings taken as runc takes
 * them (with warnings), and Go's zero-value defaults filled in.
 */
export function validateConfig(json: unknown, options?: Partial<SemanticOptions>): ConfigResult {
  const accepted = new Findings();
  const doc = acceptAsRunc(withoutNulls(json), accepted);
  const validate = loadSchemaValidator();
  if (!validate(doc)) {
    return { ok: false, problems: finishProblems(schemaProblems(validate.errors ?? [], doc)) };
  }
  const spec = doc as Spec;
  const defaults = new Findings();
  applyGoDefaults(spec, defaults);
  const found = checkSemantics(spec, { ...DEFAULT_SEMANTIC_OPTIONS, ...options });
  if (found.problems.length > 0) return { ok: false, problems: finishProblems(found.problems) };
  return { ok: true, spec, warnings: finishProblems([...accepted.warnings, ...defaults.warnings, ...found.warnings]) };
}
