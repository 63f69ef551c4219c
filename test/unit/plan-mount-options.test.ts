import { describe, expect, it } from 'vitest';
import * as F from '../../src/plan/mount-flags';
import { bindRemountFlags, isBindMount, parseMountOptions } from '../../src/plan/mount-options';
import { translateMounts, type MountContext } from '../../src/plan/mounts';
import * as A from '../../src/plan/recursive-attributes';
import type { Mount } from '../../src/spec/types';

describe('parseMountOptions', () => {
  it('turns ro,nosuid,rbind,rslave into flags and a propagation step', () => {
    const o = parseMountOptions(['ro', 'nosuid', 'rbind', 'rslave'], '/mounts/0/options');
    expect(o.flags).toBe(F.MS_RDONLY | F.MS_NOSUID | F.MS_BIND | F.MS_REC);
    expect(o.propagation).toEqual([F.MS_SLAVE | F.MS_REC]);
    expect(o.data).toBe('');
    expect(bindRemountFlags(o)).toBe(F.MS_REMOUNT | F.MS_BIND | F.MS_RDONLY | F.MS_NOSUID);
  });

  it('applies options in order: a later rw clears an earlier ro and is remembered as cleared', () => {
    const o = parseMountOptions(['ro', 'rw'], '/x');
    expect(o.flags).toBe(0);
    expect(o.clearedFlags).toBe(F.MS_RDONLY);
    const p = parseMountOptions(['rw', 'ro'], '/x');
    expect(p.flags).toBe(F.MS_RDONLY);
    expect(p.clearedFlags).toBe(0);
  });

  it('knows every flag option of runc', () => {
    const table: Array<[string, number]> = [
      ['ro', F.MS_RDONLY], ['nosuid', F.MS_NOSUID], ['nodev', F.MS_NODEV], ['noexec', F.MS_NOEXEC],
      ['sync', F.MS_SYNCHRONOUS], ['remount', F.MS_REMOUNT], ['mand', F.MS_MANDLOCK], ['dirsync', F.MS_DIRSYNC],
      ['nosymfollow', F.MS_NOSYMFOLLOW], ['noatime', F.MS_NOATIME], ['nodiratime', F.MS_NODIRATIME],
      ['bind', F.MS_BIND], ['rbind', F.MS_BIND | F.MS_REC], ['silent', F.MS_SILENT], ['relatime', F.MS_RELATIME],
      ['strictatime', F.MS_STRICTATIME], ['lazytime', F.MS_LAZYTIME], ['iversion', F.MS_I_VERSION],
    ];
    for (const [name, flag] of table) expect(parseMountOptions([name], '/x').flags, name).toBe(flag);
    const clearing: Array<[string, number]> = [
      ['rw', F.MS_RDONLY], ['suid', F.MS_NOSUID], ['dev', F.MS_NODEV], ['exec', F.MS_NOEXEC],
      ['async', F.MS_SYNCHRONOUS], ['nomand', F.MS_MANDLOCK], ['atime', F.MS_NOATIME],
      ['diratime', F.MS_NODIRATIME], ['norelatime', F.MS_RELATIME], ['nostrictatime', F.MS_STRICTATIME],
      ['nolazytime', F.MS_LAZYTIME], ['loud', F.MS_SILENT], ['symfollow', F.MS_NOSYMFOLLOW],
      ['noiversion', F.MS_I_VERSION],
    ];
    for (const [name, flag] of clearing) {
      const o = parseMountOptions([name], '/x');
      expect(o.flags, name).toBe(0);
      expect(o.clearedFlags, name).toBe(flag);
    }
  });

  it('maps every propagation option to its own step', () => {
    const o = parseMountOptions(
      ['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate', 'unbindable', 'runbindable'],
      '/x',
    );
    expect(o.propagation).toEqual([
      F.MS_SHARED, F.MS_SHARED | F.MS_REC, F.MS_SLAVE, F.MS_SLAVE | F.MS_REC,
      F.MS_PRIVATE, F.MS_PRIVATE | F.MS_REC, F.MS_UNBINDABLE, F.MS_UNBINDABLE | F.MS_REC,
    ]);
    expect(o.flags).toBe(0);
  });

  it('keeps other options as data, in order, and drops "defaults"', () => {
    const o = parseMountOptions(['nosuid', 'mode=755', 'defaults', 'size=65536k', 'strictatime'], '/x');
    expect(o.data).toBe('mode=755,size=65536k');
    expect(o.flags).toBe(F.MS_NOSUID | F.MS_STRICTATIME);
  });

  it('notes tmpcopyup and idmap, neither of them data', () => {
    const o = parseMountOptions(['tmpcopyup', 'idmap'], '/x');
    expect(o.tmpcopyup).toBe(true);
    expect(o.idmap).toBe(true);
    expect(o.data).toBe('');
    expect(parseMountOptions(['nosuid'], '/x').tmpcopyup).toBe(false);
  });

  it('does not treat Object.prototype names as options', () => {
    expect(parseMountOptions(['constructor', '__proto__'], '/x').data).toBe('constructor,__proto__');
  });
});

describe('bind detection and remount', () => {
  it('type bind or a bind option makes a bind', () => {
    expect(isBindMount('bind', parseMountOptions([], '/x'))).toBe(true);
    expect(isBindMount('none', parseMountOptions(['rbind'], '/x'))).toBe(true);
    expect(isBindMount('tmpfs', parseMountOptions(['nosuid'], '/x'))).toBe(false);
  });

  it('needs no remount when only bind flags are set', () => {
    expect(bindRemountFlags(parseMountOptions(['rbind', 'rprivate'], '/x'))).toBe(0);
  });

  it('remounts for a cleared flag alone (rw)', () => {
    expect(bindRemountFlags(parseMountOptions(['bind', 'rw'], '/x'))).toBe(F.MS_REMOUNT | F.MS_BIND);
  });
});

describe('recursive mount attributes (mount_setattr, AT_RECURSIVE)', () => {
  const attrs = (options: string[]) => {
    const r = parseMountOptions(options, '/mounts/0/options').recursive;
    return r && { set: r.attrSet, clear: r.attrClear };
  };

  it('are not mount(2) flags: rro leaves MS_RDONLY alone, as with runc', () => {
    const o = parseMountOptions(['rbind', 'rro'], '/mounts/2/options');
    expect(o.flags).toBe(F.MS_BIND | F.MS_REC);
    expect(o.data).toBe('');
    expect(o.recursive).toEqual({ attrSet: A.MOUNT_ATTR_RDONLY, attrClear: 0, given: [{ option: 'rro', at: '/mounts/2/options/1' }] });
    expect(parseMountOptions(['rbind', 'ro'], '/x').recursive).toBeNull();
  });

  it('knows runc\'s whole table: set and clear options', () => {
    const table: Array<[string, number, number]> = [
      ['rro', A.MOUNT_ATTR_RDONLY, 0], ['rrw', 0, A.MOUNT_ATTR_RDONLY],
      ['rnosuid', A.MOUNT_ATTR_NOSUID, 0], ['rsuid', 0, A.MOUNT_ATTR_NOSUID],
      ['rnodev', A.MOUNT_ATTR_NODEV, 0], ['rdev', 0, A.MOUNT_ATTR_NODEV],
      ['rnoexec', A.MOUNT_ATTR_NOEXEC, 0], ['rexec', 0, A.MOUNT_ATTR_NOEXEC],
      ['rnodiratime', A.MOUNT_ATTR_NODIRATIME, 0], ['rdiratime', 0, A.MOUNT_ATTR_NODIRATIME],
      ['rnosymfollow', A.MOUNT_ATTR_NOSYMFOLLOW, 0], ['rsymfollow', 0, A.MOUNT_ATTR_NOSYMFOLLOW],
      // The atime field is an enum: setting a value clears the whole field first.
      ['rnoatime', A.MOUNT_ATTR_NOATIME, A.MOUNT_ATTR__ATIME], ['rstrictatime', A.MOUNT_ATTR_STRICTATIME, A.MOUNT_ATTR__ATIME],
      ['rrelatime', A.MOUNT_ATTR_RELATIME, A.MOUNT_ATTR__ATIME],
      // Taking an atime value away goes back to the default, relatime (a partial field is EINVAL).
      ['ratime', 0, A.MOUNT_ATTR__ATIME], ['rnostrictatime', 0, A.MOUNT_ATTR__ATIME],
    ];
    for (const [name, set, clear] of table) expect(attrs([name]), name).toEqual({ set, clear });
    expect(attrs(['rnorelatime']), 'relatime is 0: nothing to take away').toEqual({ set: 0, clear: 0 });
    expect(Object.keys(A.RECURSIVE_ATTRIBUTES)).toHaveLength(18);
  });

  it('apply in order: a later rrw undoes rro, a later atime value replaces an earlier one', () => {
    expect(attrs(['rro', 'rrw'])).toEqual({ set: 0, clear: A.MOUNT_ATTR_RDONLY });
    expect(attrs(['rrw', 'rro', 'rnosuid'])).toEqual({ set: A.MOUNT_ATTR_RDONLY | A.MOUNT_ATTR_NOSUID, clear: 0 });
    expect(attrs(['rnoatime', 'rstrictatime'])).toEqual({ set: A.MOUNT_ATTR_STRICTATIME, clear: A.MOUNT_ATTR__ATIME });
    expect(attrs(['rnoatime', 'ratime'])).toEqual({ set: 0, clear: A.MOUNT_ATTR__ATIME });
  });
});

describe('recursive attributes and tmpcopyup in the plan', () => {
  const ctx = (over: Partial<MountContext> = {}): MountContext => ({
    bundle: '/b',
    sourceKinds: { '/host/vol': 'dir' },
    cgroup: {
      version: 1,
      mounts: [
        { subdir: 'memory', hostPath: '/sys/fs/cgroup/memory/c1', controllers: ['memory'] },
        { subdir: 'pids', hostPath: '/sys/fs/cgroup/pids/c1', controllers: ['pids'] },
      ],
      symlinks: [],
    },
    cgroupNamespace: false,
    ...over,
  });
  const plan = (m: Mount, c = ctx()) => translateMounts([m], c).mounts;

  it('a bind gets them right after its mount and remount (runc\'s order); a plain ro bind has none', () => {
    const [bind] = plan({ destination: '/mnt', type: 'bind', source: '/host/vol', options: ['rbind', 'ro', 'rro', 'rnosuid'] });
    expect(bind.remountFlags).toBe(F.MS_REMOUNT | F.MS_BIND | F.MS_RDONLY);
    expect(bind.recursiveAttributes).toEqual({ attrSet: A.MOUNT_ATTR_RDONLY | A.MOUNT_ATTR_NOSUID, attrClear: 0, afterSetup: false });
    expect(plan({ destination: '/mnt', type: 'bind', source: '/host/vol', options: ['rbind', 'ro'] })[0]).not.toHaveProperty('recursiveAttributes');
  });

  it('a tmpfs gets them at the end of the set-up, so that the mounts made under it get them too', () => {
    const [tmpfs] = plan({ destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['rro', 'mode=755'] });
    expect(tmpfs.recursiveAttributes).toEqual({ attrSet: A.MOUNT_ATTR_RDONLY, attrClear: 0, afterSetup: true });
    expect(tmpfs.flags & F.MS_RDONLY).toBe(0);
  });

  it('a cgroup v1 mount: on its tmpfs, after the hierarchies are mounted under it', () => {
    const mounts = plan({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['rro'] });
    expect(mounts).toHaveLength(3);
    expect(mounts[0]).toMatchObject({ fstype: 'tmpfs', recursiveAttributes: { attrSet: A.MOUNT_ATTR_RDONLY, afterSetup: true } });
    expect(mounts[1]).not.toHaveProperty('recursiveAttributes');
  });

  it('are refused early, with the option\'s pointer, on a kernel without mount_setattr or MOUNT_ATTR_NOSYMFOLLOW', () => {
    const m: Mount = { destination: '/mnt', type: 'bind', source: '/host/vol', options: ['rbind', 'rnosymfollow', 'rro'] };
    expect(() => translateMounts([m], ctx({ mountSetattr: { supported: false, nosymfollow: false } }))).toThrow(
      '/mounts/0/options/1: recursive mount attribute "rnosymfollow" needs mount_setattr(2) (Linux 5.12), which this kernel lacks',
    );
    expect(() => translateMounts([m], ctx({ mountSetattr: { supported: true, nosymfollow: false } }))).toThrow(
      '/mounts/0/options/1: recursive mount attribute "rnosymfollow" needs MOUNT_ATTR_NOSYMFOLLOW (Linux 5.14)',
    );
    expect(translateMounts([{ ...m, options: ['rbind', 'rro'] }], ctx({ mountSetattr: { supported: true, nosymfollow: false } })).mounts[0].recursiveAttributes).toBeDefined();
  });

  it('tmpcopyup: a tmpfs that copies what it covers, its root owned as the directory unless uid=/gid= say otherwise', () => {
    expect(plan({ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup'] })[0]).toMatchObject({ copyUp: { rootOwner: true }, data: '' });
    expect(plan({ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['uid=1000', 'tmpcopyup'] })[0].copyUp).toEqual({ rootOwner: false });
    expect(plan({ destination: '/etc', type: 'tmpfs', source: 'tmpfs' })[0]).not.toHaveProperty('copyUp');
  });

  it('tmpcopyup on anything but a tmpfs is refused with its pointer', () => {
    expect(() => plan({ destination: '/mnt', type: 'bind', source: '/host/vol', options: ['rbind', 'tmpcopyup'] })).toThrow(
      '/mounts/0/options/1: tmpcopyup can be used only with a tmpfs mount',
    );
    expect(() => plan({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['tmpcopyup'] })).toThrow(
      '/mounts/0/options/0: tmpcopyup',
    );
  });
});
