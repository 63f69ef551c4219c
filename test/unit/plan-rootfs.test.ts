import { describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import * as F from '../../src/plan/mount-flags';
import { translateRootfs } from '../../src/plan/rootfs';

const spec = (over: Partial<Spec> = {}): Spec => ({ ociVersion: '1.3.0', root: { path: 'rootfs' }, ...over });

describe('translateRootfs', () => {
  it('resolves root.path against the bundle and defaults to rslave', () => {
    expect(translateRootfs(spec(), '/b', false)).toEqual({
      rootfs: '/b/rootfs', rootPropagation: F.MS_SLAVE | F.MS_REC, makeRootfsPrivate: false, noPivot: false, readonlyRoot: false,
    });
    expect(translateRootfs(spec({ root: { path: '/abs/root/', readonly: true } }), '/b', true)).toMatchObject({
      rootfs: '/abs/root', readonlyRoot: true, noPivot: true,
    });
  });

  it('--no-pivot hides the host\'s proc and sysfs mounts before the MS_MOVE (runc\'s msMoveRoot); pivot_root needs nothing', () => {
    expect(translateRootfs(spec(), '/b', true).hideFsTypesOutsideRoot).toEqual(['proc', 'sysfs']);
    expect(translateRootfs(spec(), '/b', false)).not.toHaveProperty('hideFsTypesOutsideRoot');
  });

  it.each<[string, number, boolean]>([
    ['shared', F.MS_SHARED, true],
    ['rshared', F.MS_SHARED | F.MS_REC, true],
    ['slave', F.MS_SLAVE, true],
    ['rslave', F.MS_SLAVE | F.MS_REC, false],
    ['private', F.MS_PRIVATE, true],
    ['rprivate', F.MS_PRIVATE | F.MS_REC, true],
    ['unbindable', F.MS_UNBINDABLE, true],
    ['runbindable', F.MS_UNBINDABLE | F.MS_REC, true],
  ])('rootfsPropagation %s', (name, flags, makePrivate) => {
    const r = translateRootfs(spec({ linux: { rootfsPropagation: name as 'shared' } }), '/b', false);
    expect(r.rootPropagation).toBe(flags);
    expect(r.makeRootfsPrivate).toBe(makePrivate);
  });

  it('refuses what runc refuses', () => {
    expect(() => translateRootfs(spec({ root: undefined }), '/b', false)).toThrow('/root: root must be specified');
    expect(() => translateRootfs(spec({ linux: { rootfsPropagation: 'bogus' as 'shared' } }), '/b', false)).toThrow(
      '/linux/rootfsPropagation: rootfsPropagation=bogus is not supported',
    );
    expect(() => translateRootfs(spec({ linux: { rootfsPropagation: 'rprivate' } }), '/b', true)).toThrow(
      '/linux/rootfsPropagation: rootfsPropagation of [r]private is not safe without pivot_root',
    );
    expect(translateRootfs(spec({ linux: { rootfsPropagation: 'rshared' } }), '/b', true).noPivot).toBe(true);
  });
});
