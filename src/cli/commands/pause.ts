import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { prefix } from './create';

export const def: CommandDef = {
  name: 'pause',
  summary: 'freeze every process of a container (cgroup freezer)',
  args: [{ name: 'container-id', required: true }],
  options: [],
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const { pauseContainer } = require('../../lifecycle/pause') as typeof import('../../lifecycle/pause');
  try {
    pauseContainer(ctx.root, p.args[0]);
  } catch (err) {
    prefix(err, `pause ${p.args[0]}`);
    throw err;
  }
  return 0;
}
