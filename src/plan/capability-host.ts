import * as fs from 'node:fs';

/** /proc/sys/kernel/cap_last_cap: capabilities above it are dropped like runc does. */
export function readCapLastCap(): number | undefined {
  try {
    const n = Number.parseInt(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim(), 10);
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The runtime's own capability bounding set (CapBnd of /proc/self/status) as a decimal
 * string, or undefined when it cannot be read. A host or an outer container may lack
 * capabilities (this project's CI machines lack CAP_SYS_RESOURCE).
 */
export function readCapBounding(): string | undefined {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`).toString() : undefined;
  } catch {
    return undefined;
  }
}
