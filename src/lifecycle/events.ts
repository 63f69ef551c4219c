import { watchCgroupEvents } from '../cgroups/event-watch';
import { openCgroupDriver } from '../cgroups/select-driver';
import type { CgroupStats } from '../cgroups/stats-types';
import { loadForEvents } from './stats';

/** An event of `events`: runc's types.Event (stats every interval, each OOM kill). */
export type ContainerEvent = { type: 'stats'; id: string; data: CgroupStats } | { type: 'oom'; id: string };

export interface EventsOptions {
  /** Milliseconds between stats events. */
  intervalMs: number;
  emit: (event: ContainerEvent) => void;
  /** Ends the stream early (it resolves as when the container is over). */
  signal?: AbortSignal;
}

/**
 * `events ID`: a stats event every interval and an `oom` event whenever the kernel
 * reports one, as JSON lines in runc's shapes, until the container is over (its cgroup
 * empty or removed). OOM kills the watch could not attribute to a notification (the
 * container died of it before the notification was read) are reported before the end.
 */
export function streamEvents(root: string, id: string, opts: EventsOptions): Promise<void> {
  const record = loadForEvents(root, id);
  const cgroup = openCgroupDriver(record.cgroup);
  const killsBefore = cgroup.oomKills() ?? 0;
  let oomEvents = 0;
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      opts.signal?.removeEventListener('abort', finish);
      if (timer) clearInterval(timer);
      watch.close();
      const missing = (cgroup.oomKills() ?? killsBefore) - killsBefore - oomEvents;
      for (let i = 0; i < missing; i++) opts.emit({ type: 'oom', id });
      resolve();
    };
    let watch: { close(): void };
    try {
      watch = watchCgroupEvents(record.cgroup, {
        oom: () => {
          oomEvents++;
          opts.emit({ type: 'oom', id });
        },
        gone: () => setImmediate(finish),
      });
    } catch (err) {
      reject(err);
      return;
    }
    timer = setInterval(() => {
      try {
        opts.emit({ type: 'stats', id, data: cgroup.stats() });
      } catch {
        // the cgroup went away between two ticks: the watch ends the stream
      }
    }, opts.intervalMs);
    if (opts.signal?.aborted) finish();
    else opts.signal?.addEventListener('abort', finish);
  });
}
