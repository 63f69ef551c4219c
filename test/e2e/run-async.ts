// Commands run without blocking the event loop: a test file of many long engine calls
// made with spawnSync starves vitest's worker channel ("Timeout calling onTaskUpdate").
import { spawn } from 'node:child_process';
import type { Result } from './engines';

/** Runs a command to completion, bounded (a hang fails the test, not the run). */
export function runAsync(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => (stderr += `\n${e.message}`));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr: timedOut ? `${stderr}\n${cmd} timed out after ${opts.timeoutMs ?? 60_000} ms` : stderr });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** Polls until check() resolves true, at most limitMs (not a timing assertion). */
export async function untilAsync(check: () => Promise<boolean>, limitMs = 30_000): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}
