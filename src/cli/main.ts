import { UsageError } from './args';
import { parseGlobals } from './globals';
import { COMMANDS, versionText } from './registry';
import { describeError, Reporter } from './report';

export async function main(argv: string[]): Promise<number> {
  let reporter = new Reporter({ logFormat: 'text', debug: false });
  let debug = false;
  try {
    const { globals, verb, rest } = parseGlobals(argv);
    debug = globals.debug;
    reporter = new Reporter(globals);
    if (globals.version) {
      process.stdout.write(versionText());
      return 0;
    }
    const topic = verb === 'help' ? rest[0] : verb;
    if (topic && topic !== 'help' && !Object.hasOwn(COMMANDS, topic) && (verb === 'help' || globals.help || rest.includes('--help') || rest.includes('-h'))) {
      // runc's (urfave/cli's) answer, which scripts check for.
      throw new UsageError(`No help topic for '${topic}'`);
    }
    if (!verb || globals.help || verb === 'help') {
      const { printHelp } = require('./help') as typeof import('./help');
      printHelp(verb === 'help' ? rest[0] : verb && globals.help ? verb : undefined);
      return verb || globals.help ? 0 : 1;
    }
    const load = Object.hasOwn(COMMANDS, verb) ? COMMANDS[verb] : undefined;
    if (!load) throw new UsageError(`unknown command ${JSON.stringify(verb)} (see ocirt --help)`);
    const mod = load();
    if (rest.includes('--help') || rest.includes('-h')) {
      const { printHelp } = require('./help') as typeof import('./help');
      printHelp(verb);
      return 0;
    }
    const { parseCommandArgs } = require('./args') as typeof import('./args');
    const parsed = parseCommandArgs(mod.def, rest);
    const { defaultRoot } = require('../state/store') as typeof import('../state/store');
    return await mod.run(parsed, { globals, root: globals.root ?? defaultRoot(), reporter });
  } catch (err) {
    reporter.error(describeError(err, debug));
    return (err as { exitCode?: number }).exitCode ?? 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`ocirt: internal error: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
