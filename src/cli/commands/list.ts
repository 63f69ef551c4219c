import { UsageError, boolOption, stringOption } from '../args';
import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';

export const def: CommandDef = {
  name: 'list',
  summary: 'list containers',
  args: [],
  options: [
    { name: 'format', short: 'f', value: 'table|json', description: 'output format (default table)' },
    { name: 'quiet', short: 'q', description: 'print only the ids' },
  ],
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const { listContainers } = require('../../lifecycle/list') as typeof import('../../lifecycle/list');
  const format = stringOption(p, 'format') ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`list: --format must be table or json, not ${JSON.stringify(format)}`);
  const entries = listContainers(ctx.root);
  if (boolOption(p, 'quiet')) {
    process.stdout.write(entries.map((e) => `${e.id}\n`).join(''));
  } else if (format === 'json') {
    process.stdout.write(`${JSON.stringify(entries)}\n`);
  } else {
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...entries.map((e) => [e.id, String(e.pid), e.status, e.bundle, e.created, e.owner])];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    process.stdout.write(rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] + 3))).join('').trimEnd() + '\n').join(''));
  }
  return 0;
}
