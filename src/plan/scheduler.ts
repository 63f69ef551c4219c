/**
 * process.scheduler → the sched_attr of sched_setattr(2), as runc's ToSchedAttr builds
 * it. The value rules (nice range, realtime priority, deadline fields) are checked with
 * the rest of the config (src/spec/semantic-process.ts); SCHED_ISO is passed on as the
 * kernel's number 4, which Linux refuses (EINVAL) as it has never implemented it.
 */
import type { Scheduler, SchedulerFlag, SchedulerPolicy } from '../spec/types';
import type { PlanScheduler } from './init-plan';
import { planError, pointer } from './plan-error';

export const SCHED_POLICIES: Record<SchedulerPolicy, number> = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
};

export const SCHED_FLAGS: Record<SchedulerFlag, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

const UINT64_MAX = (1n << 64n) - 1n;

export function translateScheduler(s: Scheduler | undefined): PlanScheduler | undefined {
  if (!s) return undefined;
  const at = (...rest: Array<string | number>) => pointer('process', 'scheduler', ...rest);
  const policy = SCHED_POLICIES[s.policy];
  if (policy === undefined) throw planError(at('policy'), `invalid scheduler policy ${JSON.stringify(s.policy)}`);
  let flags = 0;
  (s.flags ?? []).forEach((f, i) => {
    const bit = SCHED_FLAGS[f];
    if (bit === undefined) throw planError(at('flags', i), `invalid scheduler flag ${JSON.stringify(f)}`);
    flags |= bit;
  });
  const ns = (key: 'runtime' | 'deadline' | 'period') => {
    const v = s[key] ?? 0;
    if (!Number.isInteger(v) || v < 0) throw planError(at(key), `must be an unsigned number of nanoseconds, got ${v}`);
    const big = BigInt(v);
    return (big > UINT64_MAX ? UINT64_MAX : big).toString();
  };
  return { policy, flags, nice: s.nice ?? 0, priority: s.priority ?? 0, runtime: ns('runtime'), deadline: ns('deadline'), period: ns('period') };
}
