// Runs project test files with vitest inside the test VM and brings back vitest's JSON
// report, so a host-side test can turn each guest test into one of its own.
import * as path from 'node:path';
import { GUEST_OUT, PROJECT_DIR, runInVm, type VmRunOptions, type VmRunResult } from './run-vm';

/** The parts of vitest's JSON report the host uses. */
export interface GuestAssertion {
  ancestorTitles: string[];
  title: string;
  fullName: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | 'disabled';
  failureMessages: string[];
}

export interface GuestReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ name: string; status: string; message: string; assertionResults: GuestAssertion[] }>;
}

export interface VmTestRun {
  run: VmRunResult;
  /** Missing when vitest never got to write it (the VM did not boot, a crash...). */
  report?: GuestReport;
}

const REPORT = 'vitest.json';

/** The shell command that runs `files` (paths relative to the checkout) with the guest's vitest config. */
export function vitestCommand(files: string[], extraArgs: string[] = []): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const vitest = path.join(PROJECT_DIR, 'node_modules/vitest/vitest.mjs');
  const args = ['run', '--config', 'test/vm/vitest.guest.config.ts', ...extraArgs, ...files];
  return `OCIRT_JSON_REPORT=${GUEST_OUT}/${REPORT} exec ${q(process.execPath)} ${q(vitest)} ${args.map(q).join(' ')}`;
}

/** Boots the VM once and runs the test files in it. */
export async function runTestsInVm(files: string[], opts: Omit<VmRunOptions, 'command'> & { vitestArgs?: string[] } = {}): Promise<VmTestRun> {
  const run = await runInVm({ ...opts, command: vitestCommand(files, opts.vitestArgs) });
  const text = run.files[REPORT];
  let report: GuestReport | undefined;
  try {
    report = text ? (JSON.parse(text) as GuestReport) : undefined;
  } catch {
    report = undefined;
  }
  return { run, report };
}
