import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';

export const def: CommandDef = {
  name: 'state',
  summary: 'print the state of a container as JSON',
  args: [{ name: 'container-id', required: true }],
  options: [],
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const { loadContainer } = require('../../lifecycle/container') as typeof import('../../lifecycle/container');
  const { formatStateOutput, stateOutput } = require('../../state/status') as typeof import('../../state/status');
  const { record, status } = loadContainer(ctx.root, p.args[0]);
  process.stdout.write(`${formatStateOutput(stateOutput(record, status))}\n`);
  return 0;
}
