import { describe, expect, it } from 'vitest';
import type { Linux } from '../../src/spec/types';
import * as I from '../../src/plan/init-plan';
import { translateNamespaces } from '../../src/plan/namespaces';

const MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];

describe('translateNamespaces', () => {
  it('ORs the namespaces to create', () => {
    const ns = translateNamespaces({
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
    });
    expect(ns.createNamespaces).toBe(I.CLONE_NEWPID | I.CLONE_NEWNET | I.CLONE_NEWIPC | I.CLONE_NEWUTS | I.CLONE_NEWNS | I.CLONE_NEWCGROUP);
    expect(ns.joinNamespaces).toEqual([]);
    expect(ns.waitForIdMaps).toBe(false);
    expect(ns.timeOffsets).toBeNull();
  });

  it('joins namespaces with a path in setns order: user first, mount last', () => {
    const ns = translateNamespaces({
      namespaces: [
        { type: 'mount', path: '/proc/1/ns/mnt' },
        { type: 'network', path: '/run/netns/a' },
        { type: 'pid' },
        { type: 'user', path: '/proc/1/ns/user' },
        { type: 'ipc', path: '/proc/1/ns/ipc' },
        { type: 'time', path: '/proc/1/ns/time' },
        { type: 'uts', path: '' },
      ],
    });
    expect(ns.joinNamespaces).toEqual([
      { flag: I.CLONE_NEWUSER, path: '/proc/1/ns/user' },
      { flag: I.CLONE_NEWIPC, path: '/proc/1/ns/ipc' },
      { flag: I.CLONE_NEWNET, path: '/run/netns/a' },
      { flag: I.CLONE_NEWTIME, path: '/proc/1/ns/time' },
      { flag: I.CLONE_NEWNS, path: '/proc/1/ns/mnt' },
    ]);
    // An empty path creates, as Go reads it.
    expect(ns.createNamespaces).toBe(I.CLONE_NEWPID | I.CLONE_NEWUTS);
    // Joining a user namespace: its maps exist already.
    expect(ns.waitForIdMaps).toBe(false);
    expect([...ns.has].sort()).toEqual(['ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts']);
  });

  it('waits for id maps when it creates a user namespace', () => {
    const ns = translateNamespaces({ namespaces: [{ type: 'user' }, { type: 'mount' }], uidMappings: MAP, gidMappings: MAP });
    expect(ns.createNamespaces).toBe(I.CLONE_NEWUSER | I.CLONE_NEWNS);
    expect(ns.waitForIdMaps).toBe(true);
  });

  it('passes time offsets when it creates a time namespace', () => {
    const ns = translateNamespaces({
      namespaces: [{ type: 'time' }, { type: 'mount' }],
      timeOffsets: { monotonic: { secs: 3600, nanosecs: 5 }, boottime: { secs: -1 } },
    });
    expect(ns.createNamespaces).toBe(I.CLONE_NEWTIME | I.CLONE_NEWNS);
    expect(ns.timeOffsets).toEqual({ monotonic: { secs: 3600, nanosecs: 5 }, boottime: { secs: -1, nanosecs: 0 } });
    expect(translateNamespaces({ namespaces: [{ type: 'time' }, { type: 'mount' }] }).timeOffsets).toBeNull();
  });

  it('lets a container without a mount namespace run in the caller\'s (runc does)', () => {
    expect(translateNamespaces({ namespaces: [{ type: 'pid' }] }).has.has('mount')).toBe(false);
    expect(translateNamespaces({}).createNamespaces).toBe(0);
  });

  it.each<[string, Linux, string]>([
    ['an unknown type', { namespaces: [{ type: 'mount' }, { type: 'bogus' as 'pid' }] }, '/linux/namespaces/1/type: unknown namespace type "bogus"'],
    ['a duplicate', { namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'pid', path: '/x' }] }, '/linux/namespaces/2: duplicated namespace "pid"'],
    ['a type name runc does not know', { namespaces: [{ type: 'mount' }, { type: 'net' as 'network', path: 'x' }] }, '/linux/namespaces/1/type: unknown'],
    ['a relative path', { namespaces: [{ type: 'mount' }, { type: 'network', path: 'ns/net' }] }, '/linux/namespaces/1/path: namespace path "ns/net" is not absolute'],
    ['mappings without a user namespace', { namespaces: [{ type: 'mount' }], uidMappings: MAP }, '/linux/uidMappings: user namespace mappings specified'],
    ['a new user namespace without mappings', { namespaces: [{ type: 'mount' }, { type: 'user' }] }, '/linux/namespaces: user namespaces enabled, but no namespace path'],
    ['offsets without a time namespace', { namespaces: [{ type: 'mount' }], timeOffsets: {} }, '/linux/timeOffsets: time namespace offsets specified'],
    ['offsets with a joined time namespace', { namespaces: [{ type: 'mount' }, { type: 'time', path: '/t' }], timeOffsets: { boottime: { secs: 1 } } }, '/linux/timeOffsets: time namespace enabled, but both'],
    ['an unknown clock', { namespaces: [{ type: 'mount' }, { type: 'time' }], timeOffsets: { realtime: { secs: 1 } } }, '/linux/timeOffsets/realtime: unknown clock "realtime"'],
  ])('refuses %s', (_name, linux, message) => {
    expect(() => translateNamespaces(linux)).toThrow(message);
  });
});
