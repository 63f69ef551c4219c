import * as fs from 'node:fs';

/** /proc/sys/kernel/cap_last_cap: capabilities above it are dropped like runc does. */
export function gatherCapLastCap(): number | undefined {
  try {
    const n = Number.parseInt(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim(), 10);
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
