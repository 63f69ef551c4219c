import { UsageError, stringOption } from '../args';
import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { prefix } from './create';

export const def: CommandDef = {
  name: 'ps',
  summary: 'list the processes of a container (host pids); options after the id go to ps(1)',
  args: [
    { name: 'container-id', required: true },
    { name: 'ps-options', required: false, rest: true },
  ],
  options: [{ name: 'format', short: 'f', value: 'table|json', description: 'output format (default table)' }],
  stopAtPositional: true,
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const { containerPids, psTable } = require('../../lifecycle/ps') as typeof import('../../lifecycle/ps');
  const format = stringOption(p, 'format') ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`ps: --format must be table or json, not ${JSON.stringify(format)}`);
  const id = p.args[0];
  try {
    const pids = containerPids(ctx.root, id);
    process.stdout.write(format === 'json' ? `${JSON.stringify(pids)}\n` : psTable(pids, p.args.slice(1)));
  } catch (err) {
    prefix(err, `ps ${id}`);
    throw err;
  }
  return 0;
}
