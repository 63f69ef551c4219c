import * as fs from 'node:fs';
import { OcirtError } from '../../native/error';
import type { ExecRequest } from '../../lifecycle/exec-process';
import { boolOption, intOption, stringOption } from '../args';
import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { prefix } from './create';
import { listenFdCount } from './create-options';
import { parseSubCgroupArgs } from '../../cgroups/sub-cgroup';

export const def: CommandDef = {
  name: 'exec',
  summary: 'run a new process in a created or running container (`exec ID CMD ARGS...` or `exec --process FILE ID`)',
  args: [
    { name: 'container-id', required: true },
    { name: 'command', required: false, rest: true },
  ],
  // runc: options come before the id; everything after it is the command.
  stopAtPositional: true,
  options: [
    { name: 'process', short: 'p', value: 'file', description: 'the process to run, as a runtime-spec process.json (then no command)' },
    { name: 'console-socket', value: 'path', description: 'AF_UNIX socket that receives the pty master (with a terminal and --detach)' },
    { name: 'pidfd-socket', value: 'path', description: 'AF_UNIX socket that receives a pidfd of the exec\'d process (payload "setns")' },
    { name: 'cwd', value: 'dir', description: 'working directory in the container' },
    { name: 'env', short: 'e', value: 'NAME=VALUE', description: 'add an environment variable (repeatable)', repeat: true },
    { name: 'tty', short: 't', description: 'allocate a pseudo-terminal' },
    { name: 'user', short: 'u', value: 'uid[:gid]', description: 'user (and group) ids to run as' },
    { name: 'additional-gids', short: 'g', value: 'gid', description: 'add a supplementary group (repeatable)', repeat: true },
    { name: 'cap', short: 'c', value: 'CAP_NAME', description: 'add a capability to the bounding, effective and permitted sets (repeatable)', repeat: true },
    { name: 'no-new-privs', description: 'set no_new_privs for the process (--no-new-privs=false clears it)' },
    { name: 'detach', short: 'd', description: 'return once the process has started; its pid goes to --pid-file' },
    { name: 'pid-file', value: 'file', description: 'write the process\'s host pid to this file' },
    { name: 'preserve-fds', value: 'n', description: 'pass fds 3 .. 3+n-1 to the process' },
    { name: 'process-label', value: 'label', description: 'SELinux label of the process (a host with SELinux)' },
    { name: 'apparmor', value: 'profile', description: 'AppArmor profile of the process (a host with AppArmor)' },
    { name: 'ignore-paused', description: 'allow exec in a paused container' },
    {
      name: 'cgroup',
      value: '[controller[,controller]:]path',
      description: 'join this existing sub-cgroup of the container\'s cgroup: one path (cgroup v2, or every v1 hierarchy) or, repeatable, per v1 controller',
      repeat: true,
    },
  ],
};

/**
 * What a process file says instead of these flags (runc ignores them with --process),
 * warned about when given. Not --tty: conmon and runc's own tests pass it with every
 * process file, and the file's `terminal` decides, as in runc, without a word.
 */
const PROCESS_FLAGS = ['env', 'cwd', 'user', 'additional-gids', 'cap', 'no-new-privs', 'apparmor', 'process-label'];

/** Parsed command line → what to run. `readText` reads the --process file. */
export function execRequestFrom(p: ParsedCommand, readText: (file: string) => string): ExecRequest {
  const file = stringOption(p, 'process');
  if (file !== undefined) {
    const req: ExecRequest = { kind: 'file', file, text: readText(file) };
    const ignored = PROCESS_FLAGS.filter((f) => p.options[f] !== undefined).map((f) => `--${f}`);
    if (p.args.length > 1) ignored.push(`the command ${JSON.stringify(p.args.slice(1))}`);
    return ignored.length > 0 ? { ...req, ignored } : req;
  }
  const list = (name: string) => (p.options[name] as string[] | undefined) ?? [];
  const args = p.args.slice(1);
  if (args[0] === '--') args.shift();
  const noNewPrivs = p.options['no-new-privs'];
  return {
    kind: 'cli',
    args,
    env: list('env'),
    cwd: stringOption(p, 'cwd'),
    user: stringOption(p, 'user'),
    additionalGids: list('additional-gids'),
    caps: list('cap'),
    noNewPrivs: typeof noNewPrivs === 'boolean' ? noNewPrivs : undefined,
    tty: boolOption(p, 'tty'),
    apparmor: stringOption(p, 'apparmor'),
    processLabel: stringOption(p, 'process-label'),
  };
}

function readProcessFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw OcirtError.fromNode(`open ${file}`, err);
  }
}

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const id = p.args[0];
  try {
    const handed = process.env.OCIRT_FAST_EXEC_ERROR;
    if (handed !== undefined) {
      delete process.env.OCIRT_FAST_EXEC_ERROR;
      const { fastPathFailure } = require('../../lifecycle/exec-template') as typeof import('../../lifecycle/exec-template');
      throw fastPathFailure(id, handed);
    }
    const { execProcess } = require('../../lifecycle/exec') as typeof import('../../lifecycle/exec');
    const listenFds = listenFdCount();
    return await execProcess({
      root: ctx.root,
      id,
      request: execRequestFrom(p, readProcessFile),
      detach: boolOption(p, 'detach'),
      pidFile: stringOption(p, 'pid-file'),
      consoleSocket: stringOption(p, 'console-socket'),
      pidfdSocket: stringOption(p, 'pidfd-socket'),
      preserveFds: intOption(p, 'preserve-fds', 0) + listenFds,
      listenFds,
      ignorePaused: boolOption(p, 'ignore-paused'),
      subCgroups: parseSubCgroupArgs((p.options.cgroup as string[] | undefined) ?? []),
      // In the foreground ocirt waits for the process as its subreaper and passes its signals on.
      subreaper: true,
      forwardSignals: true,
      warn: (m) => ctx.reporter.warn(m),
      debug: ctx.reporter.debug,
    });
  } catch (err) {
    prefix(err, `exec ${id}`);
    // runc exits 255 when exec fails (the process's own status is 0..255 otherwise).
    if (err instanceof Error) (err as { exitCode?: number }).exitCode = 255;
    throw err;
  }
}
export { warmUp } from '../warm-up';
