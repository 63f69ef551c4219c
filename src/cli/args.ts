import { OcirtError } from '../native/error';
import type { CommandDef, OptionDef, ParsedCommand } from './command-def';

/** Thrown for bad usage; the CLI prints it with a hint to --help and exits 1. */
export class UsageError extends OcirtError {}

function findOption(defs: OptionDef[], token: string): OptionDef | undefined {
  if (token.startsWith('--')) return defs.find((d) => d.name === token.slice(2));
  return defs.find((d) => d.short === token.slice(1));
}

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

/**
 * Parses argv after the verb: `--name value`, `--name=value`, `-n value`, booleans as
 * `--flag` or `--flag=true|false`; `--` ends the options.
 */
export function parseCommandArgs(def: CommandDef, argv: string[]): ParsedCommand {
  const options: ParsedCommand['options'] = {};
  const args: string[] = [];
  let i = 0;
  let optionsDone = false;
  while (i < argv.length) {
    const token = argv[i++];
    if (optionsDone || token === '-' || !token.startsWith('-')) {
      args.push(token);
      if (def.stopAtPositional) optionsDone = true;
      continue;
    }
    if (token === '--') {
      optionsDone = true;
      continue;
    }
    const eq = token.indexOf('=');
    const key = eq > 0 ? token.slice(0, eq) : token;
    const opt = findOption(def.options, key);
    if (!opt) throw new UsageError(`${def.name}: unknown option ${key}`);
    let value: string | boolean;
    if (opt.value) {
      if (eq > 0) value = token.slice(eq + 1);
      else if (i < argv.length) value = argv[i++];
      else throw new UsageError(`${def.name}: option --${opt.name} needs a value (${opt.value})`);
    } else if (eq > 0) {
      const word = token.slice(eq + 1).toLowerCase();
      if (!TRUE_WORDS.has(word) && !FALSE_WORDS.has(word)) throw new UsageError(`${def.name}: option --${opt.name} takes true or false, not ${JSON.stringify(word)}`);
      value = TRUE_WORDS.has(word);
    } else {
      value = true;
    }
    if (opt.repeat) {
      const list = (options[opt.name] as string[] | undefined) ?? [];
      list.push(String(value));
      options[opt.name] = list;
    } else {
      options[opt.name] = value;
    }
  }
  const required = def.args.filter((a) => a.required).length;
  if (args.length < required) {
    const missing = def.args[args.length].name;
    throw new UsageError(`${def.name}: missing argument <${missing}>`);
  }
  const hasRest = def.args.some((a) => a.rest);
  if (!hasRest && args.length > def.args.length) throw new UsageError(`${def.name}: unexpected argument ${JSON.stringify(args[def.args.length])}`);
  return { args, options };
}

export function stringOption(p: ParsedCommand, name: string): string | undefined {
  const v = p.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function boolOption(p: ParsedCommand, name: string): boolean {
  return p.options[name] === true;
}

export function intOption(p: ParsedCommand, name: string, fallback: number): number {
  const v = stringOption(p, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, not ${JSON.stringify(v)}`);
  return Number(v);
}
