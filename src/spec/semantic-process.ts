// Semantic checks of /process.
import { isCapabilityName } from './capabilities';
import { parseIdList } from './cpu-list';
import { isRlimitName } from './rlimits';
import { childPointer, showValue, type Findings } from './problems';
import type { CapabilitySet, Process, Rlimit, Scheduler } from './types';

export interface ProcessCheckOptions {
  /** runc ignores unknown capability names with a warning; ocirt rejects them by default. */
  unknownCapabilities: 'error' | 'warn';
}

const CAPABILITY_SETS: CapabilitySet[] = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'];

export function checkProcess(process: Process, f: Findings, options: ProcessCheckOptions): void {
  if (!process.cwd.startsWith('/')) f.error('/process/cwd', `must be an absolute path, got ${showValue(process.cwd)}`);
  checkArgs(process, f);
  process.env?.forEach((entry, i) => {
    const at = childPointer('/process/env', i);
    const eq = entry.indexOf('=');
    if (eq === -1) f.error(at, `must have the form NAME=VALUE, got ${showValue(entry)}`);
    else if (eq === 0) f.error(at, `must have a non-empty name before '=', got ${showValue(entry)}`);
    else if (entry.includes('\0')) f.error(at, 'must not contain a NUL byte');
  });
  const caps = process.capabilities;
  if (caps) {
    for (const set of CAPABILITY_SETS) {
      caps[set]?.forEach((name, i) => {
        if (isCapabilityName(name)) return;
        const at = childPointer(`/process/capabilities/${set}`, i);
        const reason = `unknown capability ${showValue(name)}`;
        if (options.unknownCapabilities === 'error') f.error(at, reason);
        else f.warn(at, `${reason} is ignored`);
      });
    }
  }
  if (process.rlimits) checkRlimits(process.rlimits, f);
  if (process.scheduler) checkScheduler(process.scheduler, f);
  for (const key of ['initial', 'final'] as const) {
    const list = process.execCPUAffinity?.[key];
    if (list === undefined) continue;
    const parsed = parseIdList(list);
    if ('error' in parsed) f.error(`/process/execCPUAffinity/${key}`, `is not a CPU list: ${parsed.error}`);
  }
}

function checkArgs(process: Process, f: Findings): void {
  const args = process.args;
  if (args === undefined) {
    f.error('/process/args', 'is required');
    return;
  }
  if (args.length === 0) {
    f.error('/process/args', 'must not be empty: it names the program to run');
    return;
  }
  if (args[0] === '') f.error('/process/args/0', 'must not be empty: it names the program to run');
  args.forEach((arg, i) => {
    if (arg.includes('\0')) f.error(childPointer('/process/args', i), 'must not contain a NUL byte');
  });
}

function checkRlimits(rlimits: readonly Rlimit[], f: Findings): void {
  const firstIndex = new Map<string, number>();
  rlimits.forEach((rl, i) => {
    const at = childPointer('/process/rlimits', i);
    if (!isRlimitName(rl.type)) {
      f.error(`${at}/type`, `unknown rlimit ${showValue(rl.type)}`);
    }
    const earlier = firstIndex.get(rl.type);
    if (earlier !== undefined) {
      f.error(`${at}/type`, `${rl.type} is already set by /process/rlimits/${earlier}`);
    } else {
      firstIndex.set(rl.type, i);
    }
    if (rl.soft > rl.hard) f.error(`${at}/soft`, `must be <= hard (${rl.hard}), got ${rl.soft}`);
  });
}

// The rules of sched_setattr(2), as runc enforces them before calling it.
function checkScheduler(s: Scheduler, f: Findings): void {
  const at = '/process/scheduler';
  const policy = s.policy;
  if ((policy === 'SCHED_OTHER' || policy === 'SCHED_BATCH') && s.nice !== undefined && (s.nice < -20 || s.nice > 19)) {
    f.error(`${at}/nice`, `must be in -20..19 for ${policy}, got ${s.nice}`);
  }
  const realtime = policy === 'SCHED_FIFO' || policy === 'SCHED_RR';
  if (realtime && (s.priority === undefined || s.priority < 1 || s.priority > 99)) {
    f.error(`${at}/priority`, `must be in 1..99 for ${policy}, got ${showValue(s.priority)}`);
  }
  if (!realtime && s.priority !== undefined && s.priority !== 0) {
    f.error(`${at}/priority`, `can only be set for SCHED_FIFO or SCHED_RR, not ${policy}`);
  }
  if (policy !== 'SCHED_DEADLINE') {
    for (const key of ['runtime', 'deadline', 'period'] as const) {
      if (s[key] !== undefined && s[key] !== 0) f.error(`${at}/${key}`, `can only be set for SCHED_DEADLINE, not ${policy}`);
    }
  }
}
