// Shared by the cgroup v2 guest tests: where containers' cgroups go, reading their files
// from the host side of the guest, and a guard that these files run only in the VM.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { ocirtToFiles, stateOf, type TestScope } from '../helpers/containers';

export const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * True in the test VM: cgroup2 alone at /sys/fs/cgroup, the tests running from its root
 * cgroup (plain mode) or from a systemd service (systemd mode, where these tests use
 * absolute cgroupsPaths beside systemd's slices, as runc's cgroupfs driver would).
 */
export function inV2Guest(): boolean {
  return (process.env.OCIRT_VM === 'plain' || process.env.OCIRT_VM === 'systemd') && fs.existsSync(path.join(CGROUP_ROOT, 'cgroup.subtree_control'));
}

/** Fails the file at once outside the guest: these tests only mean something there. */
export function requireV2Guest(): void {
  if (!inV2Guest()) throw new Error('run this file in the test VM: node test/vm/run-in-vm.mjs -- <file>');
}

/** A file of a cgroup (path relative to the v2 mount), trimmed. */
export function cgFile(cgroupPath: string, file: string): string {
  return fs.readFileSync(path.join(CGROUP_ROOT, cgroupPath, file), 'utf8').trim();
}

export function cgExists(cgroupPath: string, file = ''): boolean {
  return fs.existsSync(path.join(CGROUP_ROOT, cgroupPath, file));
}

/** Parses a flat-keyed file ("key value" lines) of a cgroup. */
export function cgKeys(cgroupPath: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of cgFile(cgroupPath, file).split('\n')) {
    const [k, ...v] = l.trim().split(/\s+/);
    if (k) out[k] = v.join(' ');
  }
  return out;
}

/**
 * Creates a container (its init runs `args`) in cgroup `/<parent>/<id>` with `edit`
 * applied to the spec; returns its id, cgroup path and the create result.
 */
export function createIn(scope: TestScope, parent: string, args: string[], edit: (s: Spec) => void = () => undefined, prefix = 'v2') {
  const id = scope.id(prefix);
  const cgroupPath = `/${parent}/${id}`;
  const bundle = scope.bundle(args, (s) => {
    s.linux!.cgroupsPath = cgroupPath;
    edit(s);
  });
  const r = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir });
  return { id, cgroupPath, bundle, r };
}

/** Reads the driver ocirt recorded for the container (state.json is ocirt's own record). */
export function recordedDriver(scope: TestScope, id: string): string {
  const rec = JSON.parse(fs.readFileSync(path.join(scope.root, id, 'state.json'), 'utf8')) as { cgroup?: { driver?: string } };
  return rec.cgroup?.driver ?? '';
}

/** `ocirt exec ID sh -c SCRIPT`, stdout. */
export function execIn(scope: TestScope, id: string, script: string): { status: number | null; stdout: string; stderr: string } {
  return scope.ocirt(['exec', id, 'sh', '-c', script]);
}

/** The init pid of a container. */
export function initPid(scope: TestScope, id: string): number {
  return stateOf(scope.root, id).pid;
}

/** Polls until cond() or a generous bound (a bound against hangs, not a timing assertion). */
export function until(cond: () => boolean, limitMs = 60_000): boolean {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  return true;
}

/** Removes the (by now empty) parent cgroups a test file used. */
export function removeParents(...parents: string[]): void {
  for (const p of parents) {
    const dir = path.join(CGROUP_ROOT, p);
    if (!fs.existsSync(dir)) continue;
    const subs = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
    for (const s of subs) removeParents(path.join(p, s.name));
    fs.rmdirSync(dir);
  }
}

/** A host shell command's stdout (modprobe, ip, rdma...). */
export function host(cmd: string): string {
  return execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' });
}

export function expectOk(r: { status: number | null; stderr: string }): void {
  expect(r.status, r.stderr).toBe(0);
}
