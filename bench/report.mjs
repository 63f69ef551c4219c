// Printing: markdown tables (what the README's benchmark section shows), medians and
// ratios against runc.
import { median } from './util.mjs';

export const ms = (x) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : x.toFixed(0)} ms` : '–');
export const kb = (x) => (Number.isFinite(x) ? `${(x / 1024).toFixed(2)} MiB` : '–');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : '–');

export function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

/**
 * One row per entry: the value per runtime, then each other runtime's ratio to runc.
 * `values(row)` gives { runtime: number }; `fmt` formats a value.
 */
export function sideBySide(title, names, entries, values, fmt = ms) {
  const others = names.filter((n) => n !== 'runc');
  const hasRunc = names.includes('runc');
  const header = [title, ...names, ...(hasRunc ? others.map((n) => `${n}/runc`) : [])];
  const rows = entries.map(([key, label]) => {
    const v = values(key);
    return [label, ...names.map((n) => fmt(v[n])), ...(hasRunc ? others.map((n) => ratio(v[n], v.runc)) : [])];
  });
  return table(header, rows);
}

/** { runtime: ms[] } → { runtime: median } */
export function medians(samples) {
  return Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]));
}
