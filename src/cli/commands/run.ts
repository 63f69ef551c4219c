import { boolOption, intOption, stringOption } from '../args';
import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { cgroupManagerOf } from '../globals';
import { prefix } from './create';
import { createOptionDefs, listenFdCount, preservedFdCount } from './create-options';

export const def: CommandDef = {
  name: 'run',
  summary: 'create and start a container; wait for it and exit with its status unless --detach (NOTIFY_SOCKET: READY=1 is passed on)',
  args: [{ name: 'container-id', required: true }],
  options: [
    ...createOptionDefs,
    { name: 'detach', short: 'd', description: 'return once the container has started' },
    { name: 'keep', description: 'do not delete the container after it exits (it stays stopped, with its cgroup, until delete)' },
    { name: 'tty', short: 't', description: 'give the process a terminal even if config.json does not (proxied by ocirt without --console-socket)' },
  ],
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const { runContainer } = require('../../lifecycle/run') as typeof import('../../lifecycle/run');
  const id = p.args[0];
  try {
    return await runContainer(
      {
        root: ctx.root,
        id,
        bundle: stringOption(p, 'bundle') ?? '.',
        pidFile: stringOption(p, 'pid-file'),
        noPivot: boolOption(p, 'no-pivot'),
        preserveFds: preservedFdCount(intOption(p, 'preserve-fds', 0)),
        listenFds: listenFdCount(),
        consoleSocket: stringOption(p, 'console-socket'),
        pidfdSocket: stringOption(p, 'pidfd-socket'),
        tty: boolOption(p, 'tty'),
        detach: boolOption(p, 'detach'),
        keep: boolOption(p, 'keep'),
        warn: (m) => ctx.reporter.warn(m),
        debug: ctx.reporter.debug,
        rootless: ctx.globals.rootless,
        cgroupManager: cgroupManagerOf(ctx.globals),
        notifySocket: process.env.NOTIFY_SOCKET || undefined,
      },
      (m) => ctx.reporter.warn(m),
    );
  } catch (err) {
    prefix(err, `run ${id}`);
    throw err;
  }
}
export { warmUp } from '../warm-up';
