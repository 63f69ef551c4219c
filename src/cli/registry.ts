import * as path from 'node:path';
import { cachedRequire } from './cached-require';
import type { CommandDef, ParsedCommand } from './command-def';
import type { CommandContext } from './context';

export interface CommandModule {
  def: CommandDef;
  run(parsed: ParsedCommand, ctx: CommandContext): Promise<number>;
}

/**
 * In the CLI bundle (dist/bundle/main.js) each verb is its own bundle with a V8 code
 * cache; in the compiled library it is the plain module.
 */
function loadCommand(name: string): CommandModule {
  const file = path.join(__dirname, 'commands', name);
  return (isBundle ? cachedRequire(`${file}.js`) : require(file)) as CommandModule;
}

const isBundle = path.basename(__dirname) === 'bundle';

/** Verb → module, required only when that verb runs. */
export const COMMANDS: Record<string, () => CommandModule> = {
  create: () => loadCommand('create'),
  start: () => loadCommand('start'),
  state: () => loadCommand('state'),
  kill: () => loadCommand('kill'),
  delete: () => loadCommand('delete'),
  run: () => loadCommand('run'),
  list: () => loadCommand('list'),
  validate: () => loadCommand('validate'),
  spec: () => loadCommand('spec'),
  pause: () => loadCommand('pause'),
  resume: () => loadCommand('resume'),
  update: () => loadCommand('update'),
  ps: () => loadCommand('ps'),
  events: () => loadCommand('events'),
  exec: () => loadCommand('exec'),
  features: () => loadCommand('features'),
  checkpoint: () => loadCommand('checkpoint'),
  restore: () => loadCommand('restore'),
};

export const VERSION = '0.1.0';

declare const OCIRT_COMMIT: string | undefined;
/** The checkout the CLI was built from (`git describe`, set by scripts/build.mjs); Docker shows it as runc's. */
export const COMMIT = typeof OCIRT_COMMIT === 'string' ? OCIRT_COMMIT : 'unknown';

/**
 * What `--version` prints, in runc's shape (version, commit:, spec:), which dockerd parses
 * for `docker info`. scripts/build.mjs also writes it to dist/bundle/version.txt for
 * ocirt-fast, which prints it without starting Node.
 */
export function versionText(commit: string = COMMIT): string {
  return `ocirt version ${VERSION}\ncommit: ${commit}\nspec: ${SPEC_VERSION}\n`;
}
export const SPEC_VERSION = '1.3.0';

