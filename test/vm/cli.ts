// `node test/vm/run-in-vm.mjs [--systemd] [--timeout SEC] [--quiet] -- <test files...>`
// `node test/vm/run-in-vm.mjs [--systemd] [--timeout SEC] --command 'shell command'`
// Exit status: the guest command's, or 125 when the VM could not run it.
import { runInVm, type VmRunResult } from './run-vm';
import { VmSetupError } from './vm-assets';
import { runTestsInVm } from './vm-vitest';

const USAGE = 'usage: run-in-vm.mjs [--systemd] [--timeout SEC] [--quiet] (--command CMD | -- TEST_FILE...)';

interface CliArgs {
  systemd: boolean;
  timeoutSec?: number;
  quiet: boolean;
  command?: string;
  files: string[];
}

function parse(argv: string[]): CliArgs {
  const a: CliArgs = { systemd: false, quiet: false, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      a.files.push(...argv.slice(i + 1));
      break;
    } else if (arg === '--systemd') a.systemd = true;
    else if (arg === '--quiet') a.quiet = true;
    else if (arg === '--timeout') a.timeoutSec = Number(argv[++i]);
    else if (arg === '--command') a.command = argv[++i];
    else if (arg === '-h' || arg === '--help') throw new VmSetupError(USAGE);
    else a.files.push(arg);
  }
  if (a.timeoutSec !== undefined && !(a.timeoutSec > 0)) throw new VmSetupError(`--timeout wants seconds; ${USAGE}`);
  if (!a.command && a.files.length === 0) throw new VmSetupError(USAGE);
  return a;
}

function explain(run: VmRunResult): string {
  if (run.timedOut) return `the VM was stopped after ${run.seconds.toFixed(0)} s (time limit or signal; qemu killed)`;
  if (run.status === null) return `the command never finished in the VM (${run.seconds.toFixed(0)} s); console tail:\n${run.console.slice(-3000)}`;
  return `exit status ${run.status} after ${run.seconds.toFixed(0)} s`;
}

export async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parse(argv);
    const stop = new AbortController();
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => stop.abort());
    const opts = { systemd: args.systemd, timeoutSec: args.timeoutSec, signal: stop.signal, onConsole: args.quiet ? undefined : (t: string) => process.stdout.write(t) };
    if (args.command) {
      const run = await runInVm({ ...opts, command: args.command });
      if (args.quiet) process.stdout.write(run.output);
      process.stderr.write(`run-in-vm: ${explain(run)}\n`);
      return run.status ?? 125;
    }
    const { run, report } = await runTestsInVm(args.files, opts);
    if (args.quiet) process.stdout.write(run.output);
    if (report) process.stderr.write(`run-in-vm: ${report.numPassedTests} passed, ${report.numFailedTests} failed of ${report.numTotalTests} in the guest\n`);
    process.stderr.write(`run-in-vm: ${explain(run)}\n`);
    return run.status ?? 125;
  } catch (e) {
    if (e instanceof VmSetupError) {
      process.stderr.write(`run-in-vm: ${e.message}\n`);
      return 125;
    }
    throw e;
  }
}
