import { describe, expect, it } from 'vitest';
import type { Mount, Spec } from '../../src/spec/types';
import { compilePlan, type PlanOptions } from '../../src/plan/from-spec';
import type { IdmapContext } from '../../src/plan/idmap-mounts';
import { translateMounts, type MountContext } from '../../src/plan/mounts';

const NO_USERNS: IdmapContext = { userNamespace: { kind: 'none' }, privilegedRuntime: true };
const ctx = (idmap: IdmapContext | undefined = NO_USERNS): MountContext => ({
  bundle: '/b',
  sourceKinds: { '/host/dir': 'dir', '/host/other': 'dir' },
  cgroup: { version: 2, mounts: [], symlinks: [] },
  cgroupNamespace: true,
  idmap,
});
const map = (containerID: number, hostID: number, size = 1) => [{ containerID, hostID, size }];
const bind = (over: Partial<Mount> = {}): Mount => ({ destination: '/data', type: 'bind', source: '/host/dir', options: ['bind'], ...over });
const plan = (mounts: Mount[], c = ctx()) => translateMounts(mounts, c);

describe('idmapped mounts in the plan', () => {
  it('explicit mappings become a user namespace with those maps; the bind is attached, not preopened', () => {
    const p = plan([bind({ uidMappings: map(1000, 0), gidMappings: map(2000, 0, 2) })], { ...ctx(), preopenBindSources: true });
    expect(p.idmapUserNamespaces).toEqual([{ uidMap: '1000 0 1\n', gidMap: '2000 0 2\n' }]);
    expect(p.mounts[0].idmap).toEqual({ userNamespace: 0, recursive: false, cloneRecursive: false, configPointer: '/mounts/0' });
    expect(p.mounts[0]).not.toHaveProperty('preopenSource');
  });

  it('ridmap idmaps the submounts (recursive); rbind clones them; the last of idmap/ridmap wins', () => {
    const m = (options: string[]) => plan([bind({ options, uidMappings: map(0, 1), gidMappings: map(0, 1) })]).mounts[0].idmap;
    expect(m(['rbind', 'ridmap'])).toMatchObject({ recursive: true, cloneRecursive: true });
    expect(m(['rbind', 'idmap'])).toMatchObject({ recursive: false, cloneRecursive: true });
    expect(m(['bind', 'ridmap'])).toMatchObject({ recursive: true, cloneRecursive: false });
    expect(m(['ridmap', 'idmap'])).toMatchObject({ recursive: false });
  });

  it('mounts with the same mapping share one user namespace', () => {
    const p = plan([
      bind({ uidMappings: map(0, 100), gidMappings: map(0, 100) }),
      bind({ destination: '/b', source: '/host/other', uidMappings: map(0, 200), gidMappings: map(0, 100) }),
      bind({ destination: '/c', uidMappings: map(0, 100), gidMappings: map(0, 100) }),
    ]);
    expect(p.idmapUserNamespaces).toHaveLength(2);
    expect(p.mounts.map((m) => m.idmap?.userNamespace)).toEqual([0, 1, 0]);
  });

  it('idmap without mappings takes the created user namespace\'s mappings, or the joined one itself', () => {
    const created: IdmapContext = { userNamespace: { kind: 'created', uidMappings: map(0, 100000, 65536), gidMappings: map(0, 200000, 65536) }, privilegedRuntime: true };
    expect(plan([bind({ options: ['bind', 'idmap'] })], ctx(created)).idmapUserNamespaces).toEqual([{ uidMap: '0 100000 65536\n', gidMap: '0 200000 65536\n' }]);
    const joined: IdmapContext = { userNamespace: { kind: 'joined', path: '/proc/42/ns/user' }, privilegedRuntime: true };
    expect(plan([bind({ options: ['rbind', 'ridmap'] })], ctx(joined)).idmapUserNamespaces).toEqual([{ path: '/proc/42/ns/user' }]);
    // Explicit mappings win over the container's.
    expect(plan([bind({ options: ['bind', 'idmap'], uidMappings: map(5, 6), gidMappings: map(5, 6) })], ctx(joined)).idmapUserNamespaces).toEqual([{ uidMap: '5 6 1\n', gidMap: '5 6 1\n' }]);
  });

  it('a mount without mappings or idmap options is left alone', () => {
    const p = plan([bind()]);
    expect(p.mounts[0]).not.toHaveProperty('idmap');
    expect(p.idmapUserNamespaces).toEqual([]);
  });

  it('refuses what runc refuses, with the pointer', () => {
    expect(() => plan([bind({ type: 'tmpfs', source: 'tmpfs', options: [], uidMappings: map(0, 1), gidMappings: map(0, 1) })])).toThrow(
      /^\/mounts\/0: idmapped mounts are only supported for bind mounts/,
    );
    expect(() => plan([bind({ options: ['bind', 'idmap'] })])).toThrow(/^\/mounts\/0\/options: "idmap" without uidMappings and gidMappings .* no user namespace/);
    expect(() => plan([bind({ uidMappings: [], gidMappings: map(0, 1) })])).toThrow(/^\/mounts\/0\/uidMappings: has no ranges/);
    expect(() => plan([bind({ uidMappings: map(0, 1), gidMappings: [] })])).toThrow(/^\/mounts\/0\/gidMappings: has no ranges/);
    expect(() => plan([bind({ uidMappings: map(0, 1), gidMappings: map(0, 1) })], ctx({ ...NO_USERNS, privilegedRuntime: false }))).toThrow(
      /^\/mounts\/0: idmapped mounts are not supported for rootless containers/,
    );
  });

  it('compilePlan: a container user namespace\'s maps for "idmap", and idmapUserNamespaces only when needed', () => {
    const spec = (mounts: Mount[]): Spec => ({
      ociVersion: '1.2.0',
      root: { path: 'rootfs' },
      process: { cwd: '/', args: ['sh'], user: { uid: 0, gid: 0 } },
      mounts,
      linux: {
        namespaces: [{ type: 'mount' }, { type: 'user' }],
        uidMappings: map(0, 100000, 65536),
        gidMappings: map(0, 100000, 65536),
      },
    });
    const opts: PlanOptions = {
      containerId: 'c', bundle: '/b', execFifo: '/run/f', noPivot: false, preserveFds: 0,
      host: { sourceKinds: { '/host/dir': 'dir' }, hasKcore: false, cgroup: { version: 2, mounts: [], symlinks: [] }, privilegedRuntime: true },
    };
    const p = compilePlan(spec([bind({ options: ['rbind', 'idmap'] })]), opts);
    expect(p.idmapUserNamespaces).toEqual([{ uidMap: '0 100000 65536\n', gidMap: '0 100000 65536\n' }]);
    expect(p.mounts[0].idmap).toMatchObject({ userNamespace: 0, cloneRecursive: true });
    expect(compilePlan(spec([bind()]), opts)).not.toHaveProperty('idmapUserNamespaces');
  });
});
