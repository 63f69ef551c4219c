// A container's cgroup that a freezer holds: refused by create before anything is put
// in it (runc: "container's cgroup unexpectedly frozen"), whether the cgroup is frozen
// itself, through an ancestor, or by the v2 tree of a hybrid host; and a cgroup frozen
// while create waits on the init ends the wait with the same error. Every cgroup a test
// freezes is thawed in afterEach before anything else, so none is left frozen with a
// process in it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, expectCleanError, ocirtToFiles, processesInCgroupOf } from '../helpers/containers';
import { cgroupMounts, describeNeeds, host, itNeeds } from '../helpers/host-capabilities';

const scope = new TestScope();
const PARENT = '/ocirt-test-frozen';

const MOUNTS = cgroupMounts();
const FREEZER = MOUNTS.get('freezer');
/** A hybrid host: v1 controllers and a v2 tree beside them, whose cgroup.freeze freezes processes too. */
const HYBRID_V2 = FREEZER !== undefined ? MOUNTS.get('') : undefined;

/** Cgroup directories this file made itself (deepest last), and the freezer files it set. */
const made: string[] = [];
const frozen: Array<{ file: string; thawed: string }> = [];

function mkCgroup(dir: string): void {
  for (const d of [path.dirname(dir), dir]) {
    if (fs.existsSync(d)) continue;
    fs.mkdirSync(d);
    made.push(d);
  }
}

function freezeV1(dir: string): void {
  mkCgroup(dir);
  frozen.push({ file: path.join(dir, 'freezer.state'), thawed: 'THAWED' });
  fs.writeFileSync(path.join(dir, 'freezer.state'), 'FROZEN');
}

function freezeV2(dir: string): void {
  mkCgroup(dir);
  frozen.push({ file: path.join(dir, 'cgroup.freeze'), thawed: '0' });
  fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '1');
}

const read = (file: string) => fs.readFileSync(file, 'utf8').trim();
const procsIn = (dir: string) => read(path.join(dir, 'cgroup.procs'));

afterEach(() => {
  // Thawed first: a process frozen in a cgroup could be neither killed nor removed.
  for (const f of frozen.splice(0)) {
    try {
      fs.writeFileSync(f.file, f.thawed);
    } catch {
      // already gone
    }
  }
  scope.reset();
  for (const d of made.splice(0).reverse()) {
    try {
      fs.rmdirSync(d);
    } catch {
      // already gone, or the parent still holds another test's cgroup
    }
  }
});
afterAll(() => {
  const left = scope.finish();
  for (const mp of new Set(MOUNTS.values())) {
    try {
      fs.rmdirSync(path.join(mp, PARENT));
    } catch {
      // not there
    }
  }
  expect(left).toEqual([]);
});

function runDetached(id: string, edit: (s: Spec) => void) {
  const bundle = scope.bundle(['sleep', '1000'], edit);
  return ocirtToFiles(scope.root, ['run', '-d', '--bundle', bundle.dir, id], { dir: bundle.dir });
}

/** `state` fails and the state root is empty: the failed run left nothing. */
function expectGone(id: string): void {
  const state = scope.ocirt(['state', id]);
  expectCleanError(state, 'does not exist');
  expect(fs.readdirSync(scope.root)).toEqual([]);
  expect(processesInCgroupOf(id)).toEqual([]);
}

const v1Freezer = () => (FREEZER === undefined ? 'this host has no cgroup v1 freezer mounted (the VM guest covers cgroup.freeze on v2)' : undefined);
const hybridV2 = () => (HYBRID_V2 === undefined ? 'this host is not a hybrid one (no cgroup2 tree beside the v1 controllers)' : undefined);

describeNeeds(host.root, v1Freezer)('a frozen cgroup at create', () => {
  it('a pre-existing v1 cgroup whose freezer is FROZEN: refused before anything is put in it; the cgroup is left as it was', () => {
    const id = scope.id('frz');
    const cgroupsPath = `${PARENT}/${id}`;
    const dir = path.join(FREEZER!, cgroupsPath);
    freezeV1(dir);
    const r = runDetached(id, (s) => {
      s.linux!.cgroupsPath = cgroupsPath;
    });
    expectCleanError(r, `container's cgroup unexpectedly frozen: ${dir}`);
    expectGone(id);
    // Not ours: still there, still frozen, still empty; and nothing made in the other hierarchies.
    expect(read(path.join(dir, 'freezer.state'))).toBe('FROZEN');
    expect(procsIn(dir)).toBe('');
    for (const [key, mp] of MOUNTS) if (key !== 'freezer' && mp !== FREEZER) expect(fs.existsSync(path.join(mp, cgroupsPath)), mp).toBe(false);
  });

  it('a v1 cgroup frozen through its parent: refused, naming the parent; the cgroup is not made', () => {
    const id = scope.id('frz');
    const parent = `${PARENT}/${id}-parent`;
    freezeV1(path.join(FREEZER!, parent));
    const r = runDetached(id, (s) => {
      s.linux!.cgroupsPath = `${parent}/${id}`;
    });
    expectCleanError(r, `container's cgroup unexpectedly frozen: ${path.join(FREEZER!, parent, id)} (its ancestor ${path.join(FREEZER!, parent)} is frozen)`);
    expectGone(id);
    expect(fs.existsSync(path.join(FREEZER!, parent, id))).toBe(false);
    expect(procsIn(path.join(FREEZER!, parent))).toBe('');
  });

  itNeeds(hybridV2)('a pre-existing cgroup of the hybrid v2 tree with cgroup.freeze 1: refused the same way', () => {
    const id = scope.id('frz');
    const cgroupsPath = `${PARENT}/${id}`;
    const dir = path.join(HYBRID_V2!, cgroupsPath);
    freezeV2(dir);
    const r = runDetached(id, (s) => {
      s.linux!.cgroupsPath = cgroupsPath;
    });
    expectCleanError(r, `container's cgroup unexpectedly frozen: ${dir}`);
    expectGone(id);
    expect(read(path.join(dir, 'cgroup.freeze'))).toBe('1');
    expect(procsIn(dir)).toBe('');
    expect(fs.existsSync(path.join(FREEZER!, cgroupsPath))).toBe(false);
  });

  it('frozen while create waits on the init (by a createRuntime hook): the same error, and everything removed', () => {
    const id = scope.id('frz');
    const cgroupsPath = `${PARENT}/${id}`;
    const state = path.join(FREEZER!, cgroupsPath, 'freezer.state');
    frozen.push({ file: state, thawed: 'THAWED' });
    const r = runDetached(id, (s) => {
      s.linux!.cgroupsPath = cgroupsPath;
      s.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `echo FROZEN > ${state}`] }] };
    });
    expectCleanError(r, `container's cgroup unexpectedly frozen: ${path.join(FREEZER!, cgroupsPath)}`);
    expectGone(id);
    // The cgroup was ocirt's: removed with the container (killed processes die once thawed).
    for (const mp of MOUNTS.values()) expect(fs.existsSync(path.join(mp, cgroupsPath)), mp).toBe(false);
  });
});
