import { watchCgroupEvents } from '../cgroups/event-watch';
import { openCgroupDriver } from '../cgroups/select-driver';
import { eventLine, loadForEvents } from './stats';

export interface EventsOptions {
  /** Milliseconds between stats events. */
  intervalMs: number;
  write: (line: string) => void;
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
    const finish = () => {
      if (timer) clearInterval(timer);
      watch.close();
      const missing = (cgroup.oomKills() ?? killsBefore) - killsBefore - oomEvents;
      for (let i = 0; i < missing; i++) opts.write(eventLine('oom', id));
      resolve();
    };
    let watch: { close(): void };
    try {
      watch = watchCgroupEvents(record.cgroup, {
        oom: () => {
          oomEvents++;
          opts.write(eventLine('oom', id));
        },
        gone: () => setImmediate(finish),
      });
    } catch (err) {
      reject(err);
      return;
    }
    timer = setInterval(() => {
      try {
        opts.write(eventLine('stats', id, cgroup.stats()));
      } catch {
        // the cgroup went away between two ticks: the watch ends the stream
      }
    }, opts.intervalMs);
  });
}
