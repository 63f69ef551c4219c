import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { prefix } from './create';

export const def: CommandDef = {
  name: 'delete',
  summary: 'delete a created or stopped container (--force: also a running one)',
  args: [{ name: 'container-id', required: true }],
  options: [{ name: 'force', short: 'f', description: 'kill the container first if it is running or paused' }],
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const { deleteContainer } = require('../../lifecycle/delete') as typeof import('../../lifecycle/delete');
  try {
    await deleteContainer(ctx.root, p.args[0], p.options.force === true, (m) => ctx.reporter.warn(m), ctx.reporter.debug);
  } catch (err) {
    prefix(err, `delete ${p.args[0]}`);
    throw err;
  }
  return 0;
}
