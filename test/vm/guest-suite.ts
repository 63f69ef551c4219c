// Turns a guest vitest run into host tests: one host test per guest test (so the host's
// summary counts them and shows their failures), plus one for the run itself (the VM
// booted, vitest finished, every file was collected).
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_DIR, type VmRunOptions } from './run-vm';
import { missingHostTools } from './vm-assets';
import { type GuestReport, runTestsInVm, type VmTestRun } from './vm-vitest';

export interface GuestSuiteOptions extends Omit<VmRunOptions, 'command'> {
  vitestArgs?: string[];
}

/** Why this host cannot run the VM at all, or undefined when it can. */
export function vmUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (the guest shares the whole host root over 9p)';
  const missing = missingHostTools();
  if (missing.length === 0) return undefined;
  // .ci/run installs both: a CI machine without them is broken, not a host to skip on.
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`the test VM needs ${missing.join(' and ')}, which .ci/run installs`);
  return `needs ${missing.join(' and ')}`;
}

function consoleTail(run: VmTestRun['run']): string {
  return `--- command output (tail) ---\n${run.output.slice(-6000)}\n--- console (tail) ---\n${run.console.slice(-3000)}`;
}

function registerReport(report: GuestReport): void {
  for (const file of report.testResults) {
    const rel = path.relative(PROJECT_DIR, file.name);
    describe(`guest ${rel}`, () => {
      if (file.assertionResults.length === 0) {
        it('loads and runs', () => expect.fail(file.message || `${rel} ran no tests (status ${file.status})`));
      }
      for (const a of file.assertionResults) {
        const name = [...a.ancestorTitles, a.title].join(' › ');
        if (a.status === 'skipped' || a.status === 'pending' || a.status === 'todo' || a.status === 'disabled') it.skip(name, () => undefined);
        else it(name, () => {
          if (a.status !== 'passed') expect.fail(a.failureMessages.join('\n') || `status ${a.status}`);
        });
      }
    });
  }
}

/**
 * Boots the VM once (at collection time: the guest's results decide which host tests
 * exist), runs `files` there and registers their results under `title`.
 */
export async function defineGuestSuite(title: string, files: string[], opts: GuestSuiteOptions = {}): Promise<void> {
  const unavailable = vmUnavailableReason();
  if (unavailable) {
    describe.skip(`${title}: skipped, this machine cannot run the test VM: ${unavailable}`, () => {
      it('boots the VM', () => undefined);
    });
    return;
  }
  let vm: VmTestRun | undefined;
  let setupError: unknown;
  try {
    vm = await runTestsInVm(files, opts);
  } catch (e) {
    setupError = e;
  }
  describe(title, () => {
    it(`the VM boots, runs vitest on ${files.length} file(s) and reports`, () => {
      if (setupError) throw setupError;
      const { run, report } = vm!;
      if (run.timedOut) expect.fail(`the VM ran out of time after ${run.seconds.toFixed(0)} s\n${consoleTail(run)}`);
      if (run.status === null) expect.fail(`the guest command never finished\n${consoleTail(run)}`);
      if (!report) expect.fail(`vitest wrote no report (exit status ${run.status})\n${consoleTail(run)}`);
      if (run.status !== 0 && report.numFailedTests === 0) {
        expect.fail(`vitest in the guest exited with ${run.status} though no test failed (an unhandled error?)\n${consoleTail(run)}`);
      }
      const seen = report.testResults.map((f) => path.relative(PROJECT_DIR, f.name)).sort();
      expect(seen, 'every requested file ran in the guest').toEqual([...files].map((f) => path.normalize(f)).sort());
    });
    if (vm?.report) registerReport(vm.report);
  });
}
