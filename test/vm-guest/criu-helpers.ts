// Shared by the checkpoint/restore guest tests: containers whose stdio are pipes (CRIU
// restores a pipe onto the restoring ocirt's own fds, as runc's descriptors.json says),
// a counter process writing into a bind-mounted host directory, and waiting on it.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../../src/spec/types';
import type { TestScope } from '../helpers/containers';
import { OCIRT } from '../helpers/ocirt-cli';

export interface Piped {
  status: number | null;
  stderr: string;
  /** What the container wrote to its stdout pipe so far. */
  output(): string;
  /** Closes ocirt's ends of the pipes (the container keeps its own). */
  close(): void;
}

/**
 * ocirt ARGS with stdin, stdout and stderr pipes, resolved when ocirt exits (not when the
 * pipes close: a detached container holds them).
 */
export function ocirtPiped(root: string, args: string[]): Promise<Piped> {
  const child = spawn(OCIRT, ['--root', root, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) =>
    child.on('exit', (status) => {
      // stderr of ocirt itself is complete once it exited and its own writes were read
      setTimeout(() => resolve({
        status,
        get stderr() {
          return err;
        },
        output: () => out,
        close: () => {
          child.stdin.destroy();
          child.stdout.destroy();
          child.stderr.destroy();
        },
      }), 100);
    }),
  );
}

export const COUNTER = 'i=0; while true; do i=$((i+1)); echo $i > /data/count.tmp; mv /data/count.tmp /data/count; sleep 0.2; done';

/** A bundle whose /data is a bind of a host directory (an external mount for CRIU). */
export function dataBundle(scope: TestScope, args: string[], edit?: (s: Spec) => void): { dir: string; data: string; spec: Spec } {
  const data = scope.scratch('ocirt-criu-data-');
  const b = scope.bundle(args, (s) => {
    s.mounts!.push({ destination: '/data', type: 'bind', source: data, options: ['rbind', 'rw'] });
    edit?.(s);
  });
  return { dir: b.dir, data, spec: b.spec };
}

export function count(data: string): number {
  try {
    return Number(fs.readFileSync(path.join(data, 'count'), 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** Waits (polling) until pred holds; false after limitMs. TCG is slow: generous limits. */
export async function until(pred: () => boolean, limitMs = 60_000): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return pred();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the guest needs for CRIU: netfilter netlink (CRIU's kerndat probes nftables). */
export function loadCriuModules(): void {
  for (const m of ['nfnetlink', 'nf_tables']) spawnSync('modprobe', [m]);
}
