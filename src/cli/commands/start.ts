import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { prefix } from './create';

export const def: CommandDef = {
  name: 'start',
  summary: 'run the process of a created container (NOTIFY_SOCKET: returns after its READY=1)',
  args: [{ name: 'container-id', required: true }],
  options: [],
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const { startContainer } = require('../../lifecycle/start') as typeof import('../../lifecycle/start');
  try {
    const socket = process.env.NOTIFY_SOCKET;
    await startContainer(ctx.root, p.args[0], ctx.reporter.debug, socket ? { socket, warn: (m) => ctx.reporter.warn(m) } : undefined);
  } catch (err) {
    prefix(err, `start ${p.args[0]}`);
    throw err;
  }
  return 0;
}
