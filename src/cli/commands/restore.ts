import * as process from 'node:process';
import { boolOption, stringOption } from '../args';
import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { cgroupManagerOf } from '../globals';
import { prefix } from './create';
import { criuFlags, sharedCriuOptionDefs } from './criu-options';

export const def: CommandDef = {
  name: 'restore',
  summary: 'make a container from a bundle whose processes CRIU restores from a checkpoint; wait for it unless --detach',
  args: [{ name: 'container-id', required: true }],
  options: [
    ...sharedCriuOptionDefs,
    { name: 'bundle', short: 'b', value: 'dir', description: 'bundle directory (default .)' },
    { name: 'console-socket', value: 'path', description: 'AF_UNIX socket that receives the restored terminal\'s pty master' },
    { name: 'detach', short: 'd', description: 'return once the container is restored' },
    { name: 'pid-file', value: 'file', description: 'write the restored process\'s pid here' },
    { name: 'no-subreaper', description: 'do not become the subreaper of the restored process (without --detach)' },
    { name: 'no-pivot', description: 'accepted for runc compatibility (CRIU restores the root itself)' },
    { name: 'lsm-profile', value: 'type:name', description: 'LSM profile of the restored processes' },
    { name: 'lsm-mount-context', value: 'context', description: 'LSM mount context for the restored mounts' },
  ],
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const id = p.args[0];
  try {
    const { restoreContainer } = require('../../lifecycle/restore') as typeof import('../../lifecycle/restore');
    const { locateCriu } = require('../../criu/locate') as typeof import('../../criu/locate');
    const flags = criuFlags(p);
    return await restoreContainer({
      root: ctx.root,
      id,
      bundle: stringOption(p, 'bundle') || process.cwd(),
      criu: locateCriu(ctx.globals.criu),
      flags,
      consoleSocket: stringOption(p, 'console-socket'),
      pidFile: stringOption(p, 'pid-file'),
      detach: boolOption(p, 'detach'),
      noSubreaper: boolOption(p, 'no-subreaper'),
      cgroupManager: cgroupManagerOf(ctx.globals),
      warn: (m) => ctx.reporter.warn(m),
      debug: ctx.reporter.debug,
    });
  } catch (err) {
    prefix(err, `restore ${id}`);
    throw err;
  }
}
