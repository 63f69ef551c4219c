import { describe, expect, it } from 'vitest';
import * as F from '../../src/plan/mount-flags';
import { bindRemountFlags, isBindMount, parseMountOptions } from '../../src/plan/mount-options';

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

  it('notes tmpcopyup as unsupported and idmap as idmap', () => {
    const o = parseMountOptions(['tmpcopyup', 'idmap'], '/x');
    expect(o.unsupported).toEqual(['tmpcopyup']);
    expect(o.idmap).toBe(true);
    expect(o.data).toBe('');
  });

  it('refuses recursive attributes with the option pointer', () => {
    expect(() => parseMountOptions(['rbind', 'rro'], '/mounts/2/options')).toThrow(
      '/mounts/2/options/1: recursive mount attribute "rro" is not supported yet',
    );
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
