import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The runtime under test; OCIRT_BIN points the suite at another build (or at runc, to check an expectation). */
export const OCIRT = process.env.OCIRT_BIN ?? path.resolve(__dirname, '../../bin/ocirt');
export const isRoot = process.getuid?.() === 0;

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A private state root per test file, so tests never see each other's containers. */
export function makeStateRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-root-'));
}

/** Runs `ocirt --root ROOT ARGS...` synchronously. */
export function ocirt(root: string, args: string[], opts: SpawnSyncOptions = {}): CliResult {
  const r = spawnSync(OCIRT, ['--root', root, ...args], { encoding: 'utf8', timeout: 60_000, ...opts });
  return { status: r.status, signal: r.signal, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Same, asynchronously (for tests that run several at once). */
export function ocirtAsync(root: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(OCIRT, ['--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

let counter = 0;
/** A container id unique within this test process. */
export function uniqueId(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** Best-effort cleanup of whatever a test left behind under root. */
export function forceDeleteAll(root: string): void {
  let ids: string[] = [];
  try {
    ids = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const id of ids) ocirt(root, ['delete', '--force', id]);
  fs.rmSync(root, { recursive: true, force: true });
}
