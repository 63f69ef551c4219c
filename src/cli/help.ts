import { Command } from 'commander';
import { GLOBAL_OPTIONS, type CommandDef, type OptionDef } from './command-def';
import { COMMANDS, VERSION } from './registry';

function flagText(o: OptionDef): string {
  const long = `--${o.name}${o.value ? ` <${o.value}>` : ''}`;
  return o.short ? `-${o.short}, ${long}` : long;
}

function toCommander(def: CommandDef): Command {
  const c = new Command(def.name).description(def.summary);
  for (const a of def.args) c.argument(a.required ? `<${a.name}${a.rest ? '...' : ''}>` : `[${a.name}${a.rest ? '...' : ''}]`);
  for (const o of def.options) if (!o.hidden) c.option(flagText(o), o.description);
  return c;
}

/** Renders help with commander from the same tables the parser uses. */
export function printHelp(verb?: string): void {
  if (verb && Object.hasOwn(COMMANDS, verb)) {
    process.stdout.write(toCommander(COMMANDS[verb]().def).name(`ocirt ${verb}`).helpInformation());
    return;
  }
  const program = new Command('ocirt')
    .description('ocirt: a low-level OCI container runtime, compatible with runc')
    .version(VERSION, '-v, --version');
  for (const o of GLOBAL_OPTIONS) if (!o.hidden) program.option(flagText(o), o.description);
  for (const load of Object.values(COMMANDS)) program.addCommand(toCommander(load().def));
  process.stdout.write(program.helpInformation());
}
