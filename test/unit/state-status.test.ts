import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStartTime } from '../../src/state/liveness';
import { ContainerRecord, STATE_VERSION } from '../../src/state/record';
import { formatStateOutput, isFrozen, liveStatus, stateOutput } from '../../src/state/status';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-status-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A record whose init is this test process, so it is alive. */
function record(over: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    stateVersion: STATE_VERSION,
    ociVersion: '1.0.2',
    id: 'c1',
    bundle: '/b',
    rootfs: '/b/rootfs',
    pid: process.pid,
    initStartTime: readStartTime(process.pid)!,
    created: '2026-11-22T15:05:39.123456789Z',
    owner: '',
    annotations: {},
    status: 'created',
    hooks: { poststart: [], poststop: [] },
    cgroup: { driver: 'none', paths: {} },
    namespaces: [],
    sharesPidNamespace: false,
    rootless: false,
    execFifo: path.join(dir, 'exec.fifo'),
    ...over,
  };
}

function cgroupDir(name: string, files: Record<string, string>): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(d, f), text);
  return d;
}

describe('liveStatus', () => {
  it('is created while exec.fifo exists, running once it is gone', () => {
    fs.writeFileSync(path.join(dir, 'exec.fifo'), '');
    expect(liveStatus(record(), dir)).toBe('created');
    fs.unlinkSync(path.join(dir, 'exec.fifo'));
    expect(liveStatus(record(), dir)).toBe('running');
  });

  it('is running when the record says running even if a fifo is left', () => {
    fs.writeFileSync(path.join(dir, 'exec.fifo'), '');
    expect(liveStatus(record({ status: 'running' }), dir)).toBe('running');
  });

  it('is creating while create runs', () => {
    expect(liveStatus(record({ status: 'creating' }), dir)).toBe('creating');
  });

  it('is stopped when the init is gone or the pid was reused', () => {
    fs.writeFileSync(path.join(dir, 'exec.fifo'), '');
    const dead = spawnSync('true').pid!;
    expect(liveStatus(record({ pid: dead }), dir)).toBe('stopped');
    expect(liveStatus(record({ initStartTime: '1' }), dir)).toBe('stopped');
    expect(liveStatus(record({ pid: 0 }), dir)).toBe('stopped');
    expect(liveStatus(record({ pid: dead, status: 'creating' }), dir)).toBe('stopped');
  });

  it('is paused when the v2 freezer is set', () => {
    const unified = cgroupDir('v2', { 'cgroup.freeze': '1\n' });
    const rec = record({ status: 'running', cgroup: { driver: 'cgroupfs-v2', paths: { unified } } });
    expect(liveStatus(rec, dir)).toBe('paused');
    fs.writeFileSync(path.join(unified, 'cgroup.freeze'), '0\n');
    expect(liveStatus(rec, dir)).toBe('running');
  });

  it('is paused when the v1 freezer is FROZEN by itself', () => {
    const freezer = cgroupDir('v1', { 'freezer.state': 'FROZEN\n', 'freezer.self_freezing': '1\n' });
    const rec = record({ status: 'running', cgroup: { driver: 'cgroupfs-v1', paths: { freezer } } });
    expect(liveStatus(rec, dir)).toBe('paused');
    fs.writeFileSync(path.join(freezer, 'freezer.self_freezing'), '0\n');
    expect(liveStatus(rec, dir)).toBe('running'); // frozen by an ancestor only
    fs.unlinkSync(path.join(freezer, 'freezer.self_freezing'));
    expect(liveStatus(rec, dir)).toBe('paused'); // old kernels: no self_freezing
    fs.writeFileSync(path.join(freezer, 'freezer.state'), 'THAWED\n');
    expect(liveStatus(rec, dir)).toBe('running');
  });

  it('tolerates missing cgroup files and directories', () => {
    expect(isFrozen({ unified: path.join(dir, 'gone') })).toBe(false);
    expect(isFrozen({ freezer: path.join(dir, 'gone') })).toBe(false);
    expect(isFrozen({})).toBe(false);
  });

  it('says stopped, not paused, for a dead init in a frozen cgroup', () => {
    const unified = cgroupDir('v2', { 'cgroup.freeze': '1\n' });
    const rec = record({ pid: spawnSync('true').pid!, cgroup: { driver: 'cgroupfs-v2', paths: { unified } } });
    expect(liveStatus(rec, dir)).toBe('stopped');
  });
});

describe('stateOutput', () => {
  it('has runc 1.1 keys in runc order, without empty annotations', () => {
    const out = stateOutput(record(), 'created');
    expect(Object.keys(out)).toEqual(['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner']);
    expect(out.pid).toBe(process.pid);
    expect(out.status).toBe('created');
  });

  it('puts non-empty annotations before owner', () => {
    const out = stateOutput(record({ annotations: { k: 'v' }, owner: 'me' }), 'running');
    expect(Object.keys(out)).toEqual([
      'ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'annotations', 'owner',
    ]);
    expect(out.annotations).toEqual({ k: 'v' });
    expect(out.owner).toBe('me');
  });

  it('prints pid 0 once stopped', () => {
    expect(stateOutput(record(), 'stopped').pid).toBe(0);
    expect(stateOutput(record(), 'paused').pid).toBe(process.pid);
  });

  it('formats with two-space indentation and no trailing newline', () => {
    const text = formatStateOutput(stateOutput(record(), 'running'));
    expect(text.startsWith('{\n  "ociVersion": "1.0.2",\n  "id": "c1",\n')).toBe(true);
    expect(text.endsWith('}')).toBe(true);
  });
});
