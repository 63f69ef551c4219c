// `exec --cgroup`: the exec'd process joins an existing sub-cgroup of the container's
// cgroup (one path for every hierarchy, or per v1 controller), as runc 1.1's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { TestScope, cgroupDirsOf, expectCleanError, lines, ocirtToFiles, processesInCgroupOf, stateOf } from '../helpers/containers';
import { cgroupMounts, describeNeeds, host } from '../helpers/host-capabilities';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const v1MemoryAndCpu = () =>
  cgroupMounts().has('memory') && cgroupMounts().has('cpu') && cgroupMounts().has('cpuacct') ? undefined : 'this host has no cgroup v1 memory, cpu and cpuacct hierarchies';

/** A running container (its cgroupsPath is its id, under ocirt's own cgroup); its id and cgroup dirs. */
function running(): { id: string; dir: string; cgroupDirs: string[] } {
  const b = scope.bundle(['sleep', '1000']);
  const id = scope.id('exc');
  b.save();
  const r = ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir });
  expect(r.status, r.err()).toBe(0);
  stateOf(scope.root, id);
  return { id, dir: b.dir, cgroupDirs: cgroupDirsOf(id) };
}

/** `exec --detach` of sleep with these options; the process's host /proc/<pid>/cgroup lines. */
function cgroupLinesOfExec(id: string, dir: string, options: string[]): string[] {
  const pidFile = path.join(dir, `exec-${Date.now()}.pid`);
  const r = ocirtToFiles(scope.root, ['exec', '--detach', '--pid-file', pidFile, ...options, id, 'sleep', '1000'], { dir });
  expect(r.status, r.err()).toBe(0);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  return lines(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
}

function hierarchyDir(dirs: string[], controller: string): string {
  const mount = cgroupMounts().get(controller)!;
  return dirs.find((d) => d.startsWith(`${mount}/`))!;
}

describeNeeds(host.root, v1MemoryAndCpu)('exec --cgroup on cgroup v1', () => {
  it('puts the process in the given sub-cgroups: one path for every hierarchy, or per controller', () => {
    const { id, dir, cgroupDirs } = running();
    for (const d of cgroupDirs) {
      fs.mkdirSync(path.join(d, 'sub'));
      // A new v1 cpuset cgroup takes no task until it has cpus and mems (the user's part, as with runc).
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        if (fs.existsSync(path.join(d, f))) fs.writeFileSync(path.join(d, 'sub', f), fs.readFileSync(path.join(d, f)));
      }
    }
    fs.mkdirSync(path.join(hierarchyDir(cgroupDirs, 'memory'), 'submem'));
    // cpu and cpuacct may be one hierarchy or two.
    for (const c of ['cpu', 'cpuacct']) fs.mkdirSync(path.join(hierarchyDir(cgroupDirs, c), 'subcpu'), { recursive: true });

    const all = cgroupLinesOfExec(id, dir, ['--cgroup', 'sub']);
    expect(all.length).toBeGreaterThan(1);
    for (const l of all) expect(l).toMatch(new RegExp(`/${id}/sub$`));

    const byController = cgroupLinesOfExec(id, dir, ['--cgroup', 'memory:submem', '--cgroup', 'cpu,cpuacct:subcpu']);
    expect(byController.filter((l) => /^\d+:memory:/.test(l))).toEqual([expect.stringMatching(new RegExp(`/${id}/submem$`))]);
    const cpuLines = byController.filter((l) => /^\d+:[^:]*\bcpu(acct)?\b[^:]*:/.test(l));
    expect(cpuLines.length).toBeGreaterThan(0);
    for (const l of cpuLines) expect(l).toMatch(new RegExp(`/${id}/subcpu$`));
    const others = byController.filter((l) => !cpuLines.includes(l) && !/^\d+:memory:/.test(l));
    expect(others.length).toBeGreaterThan(0);
    for (const l of others) expect(l).toMatch(new RegExp(`/${id}$`));

    // "/" is the container's own cgroup.
    for (const l of cgroupLinesOfExec(id, dir, ['--cgroup', '/'])) expect(l).toMatch(new RegExp(`/${id}$`));
  });

  it('refuses a path out of the container\'s cgroup, a missing sub-cgroup, an unknown controller and a bare path among several', () => {
    const { id } = running();
    const before = processesInCgroupOf(id).length;
    expectCleanError(scope.ocirt(['exec', '--cgroup', '..', id, 'true']), ' .. is not a sub cgroup path');
    expectCleanError(scope.ocirt(['exec', '--cgroup', 'a/../../b', id, 'true']), 'a/../../b is not a sub cgroup path');
    const missing = scope.ocirt(['exec', '--cgroup', 'nonexistent', id, 'true']);
    expectCleanError(missing, /adding pid \d+ to cgroups: write \/sys\/fs\/cgroup\/.*\/nonexistent\/cgroup\.procs: no such file or directory \(ENOENT\)/);
    expectCleanError(scope.ocirt(['exec', '--cgroup', 'cpu:nonexistent', id, 'true']), /\/nonexistent\/cgroup\.procs: no such file or directory/);
    expectCleanError(scope.ocirt(['exec', '--cgroup', 'whaaat:/', id, 'true']), 'unknown controller whaaat');
    expectCleanError(scope.ocirt(['exec', '--cgroup', 'memory:a', '--cgroup', 'b', id, 'true']), 'invalid --cgroup argument: b (missing <controller>: prefix)');
    // Nothing of the refused execs stayed in the container's cgroup.
    expect(processesInCgroupOf(id).length).toBe(before);
  });
});
