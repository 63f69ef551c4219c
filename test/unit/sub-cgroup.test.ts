import { describe, expect, it } from 'vitest';
import { parseSubCgroupArgs, subCgroupDirs } from '../../src/cgroups/sub-cgroup';

const V1 = { 'cpu,cpuacct': '/sys/fs/cgroup/cpu,cpuacct/ct', memory: '/sys/fs/cgroup/memory/ct', unified: '/sys/fs/cgroup/unified/ct' };

describe('exec --cgroup paths', () => {
  it('reads one bare path, or repeatable controller[,controller]:path', () => {
    expect(parseSubCgroupArgs([])).toBeUndefined();
    expect(parseSubCgroupArgs(['foo/bar'])).toEqual({ all: 'foo/bar' });
    expect(parseSubCgroupArgs(['memory:a', 'cpu,cpuacct:b'])).toEqual({ byController: { memory: 'a', cpu: 'b', cpuacct: 'b' } });
    expect(() => parseSubCgroupArgs(['a', 'memory:b'])).toThrow('invalid --cgroup argument: a (missing <controller>: prefix)');
    expect(() => parseSubCgroupArgs(['a:b:c'])).toThrow('invalid --cgroup argument: a:b:c');
  });

  it('places each hierarchy below the container\'s own directory', () => {
    expect(subCgroupDirs(V1, { all: 'x' })).toEqual({
      'cpu,cpuacct': '/sys/fs/cgroup/cpu,cpuacct/ct/x',
      memory: '/sys/fs/cgroup/memory/ct/x',
      unified: '/sys/fs/cgroup/unified/ct/x',
    });
    expect(subCgroupDirs(V1, { all: '/' })).toEqual(V1);
    expect(subCgroupDirs(V1, { byController: { cpuacct: 'c', memory: 'm/n' } })).toEqual({ ...V1, 'cpu,cpuacct': `${V1['cpu,cpuacct']}/c`, memory: `${V1.memory}/m/n` });
  });

  it('refuses paths out of the container\'s cgroup, unknown controllers and two paths for one hierarchy', () => {
    expect(() => subCgroupDirs(V1, { all: '..' })).toThrow('.. is not a sub cgroup path');
    expect(() => subCgroupDirs(V1, { all: 'a/../../ct2' })).toThrow('a/../../ct2 is not a sub cgroup path');
    expect(() => subCgroupDirs(V1, { byController: { whaaat: '/' } })).toThrow('unknown controller whaaat');
    expect(() => subCgroupDirs(V1, { byController: { cpu: 'a', cpuacct: 'b' } })).toThrow('cpu and cpuacct share the cgroup v1 hierarchy cpu,cpuacct');
    expect(subCgroupDirs(V1, { byController: { cpu: 'a', cpuacct: 'a' } })['cpu,cpuacct']).toBe(`${V1['cpu,cpuacct']}/a`);
  });
});
