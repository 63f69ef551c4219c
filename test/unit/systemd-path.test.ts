import { describe, expect, it } from 'vitest';
import { expandSlice, systemdPlacement } from '../../src/cgroups/systemd-path';

describe('systemd cgroupsPath "slice:prefix:name"', () => {
  it('makes a scope named prefix-name.scope in the given slice (podman)', () => {
    const p = systemdPlacement('machine.slice:libpod:abc123', 'abc123');
    expect(p).toEqual({
      slice: 'machine.slice',
      prefix: 'libpod',
      name: 'abc123',
      unit: 'libpod-abc123.scope',
      unitType: 'scope',
      cgroupDir: '/machine.slice/libpod-abc123.scope',
    });
  });

  it('takes system.slice for an empty slice, user.slice when rootless', () => {
    expect(systemdPlacement(':cri-containerd:c1', 'c1').cgroupDir).toBe('/system.slice/cri-containerd-c1.scope');
    expect(systemdPlacement(':p:c1', 'c1', { rootless: true }).cgroupDir).toBe('/user.slice/p-c1.scope');
  });

  it('defaults to <default slice>:ocirt:<id> without a cgroupsPath', () => {
    const p = systemdPlacement(undefined, 'mycontainer');
    expect([p.slice, p.unit, p.cgroupDir]).toEqual(['system.slice', 'ocirt-mycontainer.scope', '/system.slice/ocirt-mycontainer.scope']);
    expect(systemdPlacement('', 'x', { rootless: true }).cgroupDir).toBe('/user.slice/ocirt-x.scope');
  });

  it('expands nested slices by their dashes', () => {
    expect(systemdPlacement('kubepods-besteffort-pod12.slice:cri:c', 'c').cgroupDir).toBe(
      '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice/cri-c.scope',
    );
    expect(systemdPlacement('-.slice:p:c', 'c').cgroupDir).toBe('/p-c.scope');
  });

  it('makes a slice unit when the name ends in .slice, placed by its own name', () => {
    const p = systemdPlacement('system.slice:ignored:test-sub.slice', 'c');
    expect([p.unit, p.unitType, p.cgroupDir]).toEqual(['test-sub.slice', 'slice', '/test.slice/test-sub.slice']);
  });

  it.each([
    ['machine.slice', /expected "slice:prefix:name"/],
    ['a:b:c:d', /expected "slice:prefix:name"/],
    ['/machine.slice/x', /expected "slice:prefix:name"/],
    ['machine:libpod:x', /the slice part: invalid slice name "machine"/],
    ['a--b.slice:p:x', /empty part between dashes/],
    ['-a.slice:p:x', /empty part between dashes/],
    ['.slice:p:x', /invalid slice name/],
    ['a/b.slice:p:x', /invalid slice name/],
    ['machine.slice:libpod:', /name part .* is empty/],
    ['machine.slice:lib pod:x', /has " ", which systemd does not take/],
    ['machine.slice:p:bad--.slice', /the name part: invalid slice name/],
  ])('refuses %j with an error naming /linux/cgroupsPath', (cgroupsPath, message) => {
    expect(() => systemdPlacement(cgroupsPath, 'x')).toThrow(/^\/linux\/cgroupsPath: /);
    expect(() => systemdPlacement(cgroupsPath, 'x')).toThrow(message);
  });

  it('refuses a unit name longer than systemd takes', () => {
    expect(() => systemdPlacement(`machine.slice:p:${'a'.repeat(260)}`, 'x')).toThrow(/longer than systemd's limit of 255/);
  });
});

describe('expandSlice', () => {
  it.each([
    ['system.slice', '/system.slice'],
    ['a-b.slice', '/a.slice/a-b.slice'],
    ['a-b-c.slice', '/a.slice/a-b.slice/a-b-c.slice'],
    ['-.slice', '/'],
  ])('%s → %s', (slice, dir) => expect(expandSlice(slice)).toBe(dir));
});
