import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { prefix } from './create';

export const def: CommandDef = {
  name: 'resume',
  summary: 'thaw the processes of a paused container',
  args: [{ name: 'container-id', required: true }],
  options: [],
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const { resumeContainer } = require('../../lifecycle/resume') as typeof import('../../lifecycle/resume');
  try {
    resumeContainer(ctx.root, p.args[0]);
  } catch (err) {
    prefix(err, `resume ${p.args[0]}`);
    throw err;
  }
  return 0;
}
