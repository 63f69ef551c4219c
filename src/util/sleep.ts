const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for ms milliseconds (the CLI's short waits; no timers needed). */
export function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
