import { intOption, stringOption } from '../args';
import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { cgroupManagerOf } from '../globals';
import { createOptionDefs, listenFdCount, preservedFdCount } from './create-options';

export const def: CommandDef = {
  name: 'create',
  summary: 'create a container from a bundle; it waits for `start` to run its process (NOTIFY_SOCKET: it gets a socket of its own)',
  args: [{ name: 'container-id', required: true }],
  options: createOptionDefs,
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const { createContainer } = require('../../lifecycle/create') as typeof import('../../lifecycle/create');
  const id = p.args[0];
  try {
    await createContainer({
      root: ctx.root,
      id,
      bundle: stringOption(p, 'bundle') ?? '.',
      pidFile: stringOption(p, 'pid-file'),
      noPivot: p.options['no-pivot'] === true,
      preserveFds: preservedFdCount(intOption(p, 'preserve-fds', 0)),
      listenFds: listenFdCount(),
      consoleSocket: stringOption(p, 'console-socket'),
      pidfdSocket: stringOption(p, 'pidfd-socket'),
      warn: (m) => ctx.reporter.warn(m),
      debug: ctx.reporter.debug,
      rootless: ctx.globals.rootless,
      cgroupManager: cgroupManagerOf(ctx.globals),
      notifySocket: process.env.NOTIFY_SOCKET || undefined,
    });
  } catch (err) {
    prefix(err, `create ${id}`);
    throw err;
  }
  return 0;
}

/** Prefixes an error message with the command and id, once. */
export function prefix(err: unknown, what: string): void {
  if (err instanceof Error && !err.message.startsWith(what)) err.message = `${what}: ${err.message}`;
}
export { warmUp } from '../warm-up';
