import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { prefix } from './create';

export const def: CommandDef = {
  name: 'kill',
  summary: 'send a signal (default TERM) to the container\'s init, or with --all to all its processes',
  args: [
    { name: 'container-id', required: true },
    { name: 'signal', required: false },
  ],
  options: [{ name: 'all', short: 'a', description: 'signal every process of the container' }],
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const { parseSignal, DEFAULT_KILL_SIGNAL } = require('../../lifecycle/signals') as typeof import('../../lifecycle/signals');
  const { killContainer } = require('../../lifecycle/kill') as typeof import('../../lifecycle/kill');
  const signal = p.args[1] === undefined ? DEFAULT_KILL_SIGNAL : parseSignal(p.args[1]);
  try {
    killContainer(ctx.root, p.args[0], signal, p.options.all === true, ctx.reporter.debug);
  } catch (err) {
    prefix(err, `kill ${p.args[0]}`);
    throw err;
  }
  return 0;
}
