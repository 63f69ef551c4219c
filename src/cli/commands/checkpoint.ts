import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { prefix } from './create';
import { criuFlags, sharedCriuOptionDefs } from './criu-options';

export const def: CommandDef = {
  name: 'checkpoint',
  summary: 'save a running container with CRIU (it is stopped and deleted afterwards unless --leave-running or --pre-dump)',
  args: [{ name: 'container-id', required: true }],
  options: [
    ...sharedCriuOptionDefs,
    { name: 'parent-path', value: 'dir', description: 'the previous pre-dump\'s images, relative to --image-path' },
    { name: 'leave-running', description: 'leave the container running after the dump' },
    { name: 'tcp-skip-in-flight', description: 'skip TCP connections still being set up' },
    { name: 'link-remap', description: 'link unlinked open files back when possible' },
    { name: 'status-fd', value: 'fd', description: 'with --lazy-pages: CRIU writes \\0 to this fd when its page server is ready' },
    { name: 'page-server', value: 'address:port', description: 'send memory pages to this CRIU page server' },
    { name: 'pre-dump', description: 'dump memory only and leave the container running (for a later dump with --parent-path)' },
  ],
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const id = p.args[0];
  try {
    const { checkpointContainer } = require('../../lifecycle/checkpoint') as typeof import('../../lifecycle/checkpoint');
    const { locateCriu } = require('../../criu/locate') as typeof import('../../criu/locate');
    const flags = criuFlags(p);
    await checkpointContainer({
      root: ctx.root,
      id,
      criu: locateCriu(ctx.globals.criu),
      flags,
      warn: (m) => ctx.reporter.warn(m),
      debug: ctx.reporter.debug,
    });
  } catch (err) {
    prefix(err, `checkpoint ${id}`);
    throw err;
  }
  return 0;
}
