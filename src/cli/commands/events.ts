import { UsageError, boolOption, stringOption } from '../args';
import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { prefix } from './create';

export const def: CommandDef = {
  name: 'events',
  summary: 'print container events as JSON lines: stats every --interval, and OOM notifications',
  args: [{ name: 'container-id', required: true }],
  options: [
    { name: 'interval', value: 'duration', description: 'time between stats events (default 5s; Go syntax: 500ms, 2s, 1m)' },
    { name: 'stats', description: 'print the container\'s stats once and exit' },
  ],
};

export async function run(p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const id = p.args[0];
  const interval = parseDuration(stringOption(p, 'interval') ?? '5s');
  try {
    if (boolOption(p, 'stats')) {
      const { loadForEvents, statsEvent } = require('../../lifecycle/stats') as typeof import('../../lifecycle/stats');
      process.stdout.write(statsEvent(loadForEvents(ctx.root, id)));
      return 0;
    }
    const { streamEvents } = require('../../lifecycle/events') as typeof import('../../lifecycle/events');
    const { eventLine } = require('../../lifecycle/stats') as typeof import('../../lifecycle/stats');
    await streamEvents(ctx.root, id, {
      intervalMs: interval,
      emit: (e) => process.stdout.write(e.type === 'stats' ? eventLine('stats', e.id, e.data) : eventLine('oom', e.id)),
    });
  } catch (err) {
    prefix(err, `events ${id}`);
    throw err;
  }
  return 0;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("5s", "1m30s", "250ms") or plain seconds, in milliseconds; must be > 0. */
export function parseDuration(text: string): number {
  let ms = 0;
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) ms = Number(t) * 1000;
  else {
    const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
    let consumed = 0;
    for (let m = re.exec(t); m; m = re.exec(t)) {
      ms += Number(m[1]) * UNIT_MS[m[2]];
      consumed = re.lastIndex;
    }
    if (consumed !== t.length || t === '') throw new UsageError(`events: --interval: invalid duration ${JSON.stringify(text)} (e.g. 5s, 500ms)`);
  }
  if (!(ms > 0)) throw new UsageError('events: --interval: the duration must be greater than 0');
  return Math.max(1, Math.round(ms));
}
