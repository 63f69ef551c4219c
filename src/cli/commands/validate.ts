import { UsageError, stringOption } from '../args';
import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';

export const def: CommandDef = {
  name: 'validate',
  summary: 'check a bundle (schema, semantics, rootfs, executable) without creating anything',
  args: [],
  options: [
    { name: 'bundle', short: 'b', value: 'dir', description: 'bundle directory (default: the current directory)' },
    { name: 'format', value: 'text|json', description: 'output format (default text)' },
  ],
};

export async function run(p: ParsedCommand, _ctx: CommandContext): Promise<number> {
  const { validateBundle } = require('../../lifecycle/validate-bundle') as typeof import('../../lifecycle/validate-bundle');
  const format = stringOption(p, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`validate: --format must be text or json, not ${JSON.stringify(format)}`);
  const report = validateBundle(stringOption(p, 'bundle') ?? '.');
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ bundle: report.dir, valid: report.problems.length === 0, problems: report.problems, warnings: report.warnings }, null, 2)}\n`);
  } else {
    for (const w of report.warnings) process.stdout.write(`warning: ${w.pointer || '(config)'}: ${w.reason}\n`);
    for (const e of report.problems) process.stdout.write(`error: ${e.pointer || '(config)'}: ${e.reason}\n`);
    process.stdout.write(report.problems.length === 0 ? `${report.dir}: valid\n` : `${report.dir}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}\n`);
  }
  return report.problems.length === 0 ? 0 : 1;
}
export { warmUp } from '../warm-up';
