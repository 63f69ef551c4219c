import { describe, expect, it } from 'vitest';
import { CgroupfsV1 } from '../../src/cgroups/cgroupfs-v1';
import { CgroupfsV2 } from '../../src/cgroups/cgroupfs-v2';
import { containerCgroupDir } from '../../src/cgroups/container-paths';
import type { HostHierarchy } from '../../src/cgroups/host-hierarchies';
import { newCgroupDriver } from '../../src/cgroups/select-driver';
import { parseDuration } from '../../src/cli/commands/events';
import { filterPsOutput } from '../../src/lifecycle/ps';
import { parseResourcesJson, resourcesFromFlags, sizeFlag } from '../../src/lifecycle/update-input';

const HYBRID: HostHierarchy[] = [
  { version: 1, mountPoint: '/sys/fs/cgroup/cpu,cpuacct', controllers: ['cpu', 'cpuacct'], root: '/' },
  { version: 1, mountPoint: '/sys/fs/cgroup/memory', controllers: ['memory'], root: '/' },
  { version: 1, mountPoint: '/sys/fs/cgroup/freezer', controllers: ['freezer'], root: '/' },
  { version: 1, mountPoint: '/sys/fs/cgroup/systemd', controllers: ['name=systemd'], root: '/' },
  { version: 2, mountPoint: '/sys/fs/cgroup/unified', controllers: [], root: '/' },
];
const UNIFIED: HostHierarchy[] = [{ version: 2, mountPoint: '/sys/fs/cgroup', controllers: [], root: '/' }];
const caller = new Map([['cpu,cpuacct', '/user'], ['memory', '/user/mem'], ['freezer', '/'], ['name=systemd', '/'], ['', '/user.slice/session-1.scope']]);

describe('placement', () => {
  it('v1/hybrid: a driver per hierarchy, relative paths under the caller\'s cgroup', () => {
    const d = newCgroupDriver('pod/c1', { hierarchies: HYBRID, caller });
    expect(d).toBeInstanceOf(CgroupfsV1);
    expect(d.paths).toEqual({
      'cpu,cpuacct': '/sys/fs/cgroup/cpu,cpuacct/user/pod/c1',
      memory: '/sys/fs/cgroup/memory/user/mem/pod/c1',
      freezer: '/sys/fs/cgroup/freezer/pod/c1',
      'name=systemd': '/sys/fs/cgroup/systemd/pod/c1',
      unified: '/sys/fs/cgroup/unified/user.slice/session-1.scope/pod/c1',
    });
    expect((d as CgroupfsV1).dirOf('cpuacct')).toBe('/sys/fs/cgroup/cpu,cpuacct/user/pod/c1');
    expect(d.layout().mounts.map((m) => m.subdir)).toEqual(['cpu,cpuacct', 'memory', 'freezer', 'systemd']);
  });

  it('absolute paths are taken from each hierarchy\'s root', () => {
    expect(newCgroupDriver('/cgrouptest', { hierarchies: HYBRID, caller }).paths.memory).toBe('/sys/fs/cgroup/memory/cgrouptest');
  });

  it('unified: beside the caller\'s own cgroup for relative paths, as runc', () => {
    const d = newCgroupDriver('c1', { hierarchies: UNIFIED, caller });
    expect(d).toBeInstanceOf(CgroupfsV2);
    expect(d.paths).toEqual({ unified: '/sys/fs/cgroup/user.slice/c1' });
    expect(newCgroupDriver('/machine/c1', { hierarchies: UNIFIED, caller }).paths).toEqual({ unified: '/sys/fs/cgroup/machine/c1' });
  });

  it('".." is refused', () => {
    expect(() => containerCgroupDir(UNIFIED[0], '../escape', caller)).toThrow('/linux/cgroupsPath: must not contain ".."');
  });

  it('no cgroup filesystem: the none driver', () => {
    expect(newCgroupDriver('c1', { hierarchies: [], caller }).record()).toEqual({ driver: 'none', paths: {} });
  });
});

describe('update input', () => {
  it('runc\'s flags', () => {
    expect(resourcesFromFlags({ memory: '512m', memorySwap: '-1', cpuQuota: '-1', cpuPeriod: '100000', cpuShares: '512', cpusetCpus: '0', pidsLimit: '20', blkioWeight: '300' })).toEqual({
      memory: { limit: 536870912, swap: -1 },
      cpu: { quota: -1, period: 100000, shares: 512, cpus: '0' },
      pids: { limit: 20 },
      blockIO: { weight: 300 },
    });
    expect(resourcesFromFlags({})).toEqual({});
    expect(() => resourcesFromFlags({ cpuPeriod: '-5' })).toThrow('invalid value for --cpu-period: "-5" is not a non-negative integer');
  });

  it('sizes as docker\'s RAMInBytes', () => {
    expect(sizeFlag('memory', '100000')).toBe(100000);
    expect(sizeFlag('memory', '1g')).toBe(1073741824);
    expect(sizeFlag('memory', '1.5k')).toBe(1536);
    expect(sizeFlag('memory', '10MiB')).toBe(10485760);
    expect(sizeFlag('memory', '20 MB')).toBe(20971520);
    expect(() => sizeFlag('memory', 'lots')).toThrow('invalid value for --memory: invalid size: "lots"');
  });

  it('--resources JSON: checked field by field, nulls are "not set"', () => {
    expect(parseResourcesJson('{"memory":{"limit":1000,"swap":null},"cpu":{"cpus":"0"}}', 'stdin')).toEqual({ memory: { limit: 1000 }, cpu: { cpus: '0' } });
    expect(parseResourcesJson('null', 'f')).toEqual({});
    expect(() => parseResourcesJson('{"memory":{"limit":"1G"}}', 'r.json')).toThrow('r.json: /memory/limit: must be an integer, got "1G"');
    expect(() => parseResourcesJson('{"cpu":{"shares":1.5}}', 'r.json')).toThrow('/cpu/shares: must be an integer');
    expect(() => parseResourcesJson('{"memroy":{}}', 'r.json')).toThrow('r.json: /memroy: unknown key');
    expect(() => parseResourcesJson('{"blockIO":{"throttleReadBpsDevice":[{"major":8,"minor":0,"rat":1}]}}', 'r')).toThrow('/blockIO/throttleReadBpsDevice/0/rat: unknown key');
    expect(() => parseResourcesJson('{', 'r.json')).toThrow('r.json: not valid JSON');
    expect(parseResourcesJson('{"unified":{"memory.high":"1G"},"rdma":{"mlx":{"hcaHandles":1}}}', 'r')).toEqual({ unified: { 'memory.high': '1G' }, rdma: { mlx: { hcaHandles: 1 } } });
  });
});

describe('events and ps helpers', () => {
  it('Go durations for --interval', () => {
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1m30s')).toBe(90000);
    expect(parseDuration('2')).toBe(2000);
    expect(() => parseDuration('0s')).toThrow('greater than 0');
    expect(() => parseDuration('5 seconds')).toThrow('invalid duration');
  });

  it('ps table: the header and the lines of the container\'s pids', () => {
    const out = 'UID        PID  PPID  C STIME TTY          TIME CMD\nroot         1     0  0 15:00 ?        00:00:01 init\nroot       640     1  0 15:40 ?        00:00:00 sleep 1000\n';
    expect(filterPsOutput(out, [640])).toBe('UID        PID  PPID  C STIME TTY          TIME CMD\nroot       640     1  0 15:40 ?        00:00:00 sleep 1000\n');
    expect(() => filterPsOutput('USER COMMAND\nroot x\n', [1])).toThrow("couldn't find PID field in ps output");
  });
});
