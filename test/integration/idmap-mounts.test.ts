// Idmapped bind mounts (mounts[].uidMappings/gidMappings, the idmap and ridmap options):
// what the container sees of a host directory's owners, and who owns what it creates.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect } from 'vitest';
import type { LinuxIdMapping, Mount, Spec } from '../../src/spec/types';
import type { TestBundle } from '../helpers/bundle';
import { TestScope, expectCleanError, lines, ocirtToFiles, sh, stateOf } from '../helpers/containers';
import { binaries, host, itNeeds, kernelIdmaps } from '../helpers/host-capabilities';

const scope = new TestScope();
const hostMounts: string[] = [];
afterEach(() => {
  scope.reset();
  while (hostMounts.length > 0) spawnSync('umount', ['-l', hostMounts.pop()!]);
});
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const one = (containerID: number, hostID: number, size = 1): LinuxIdMapping[] => [{ containerID, hostID, size }];

/** A host directory owned by uid:gid with a file f in it, readable by everyone. */
function ownedDir(uid: number, gid = uid): string {
  const dir = scope.scratch('ocirt-idmap-');
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'f'), 'x');
  fs.chownSync(path.join(dir, 'f'), uid, gid);
  fs.chownSync(dir, uid, gid);
  return dir;
}

function withMounts(...mounts: Mount[]) {
  return (s: Spec) => {
    s.mounts!.push(...mounts);
  };
}

/** A user namespace of the container's own, container 0 → host 100000 (65536 ids). */
function inUserNamespace(...mounts: Mount[]) {
  return (s: Spec, b: TestBundle) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = one(0, 100000, 65536);
    s.linux!.gidMappings = one(0, 100000, 65536);
    s.mounts!.push(...mounts);
    spawnSync('chown', ['-R', '100000:100000', b.rootfs]);
    fs.chmodSync(b.dir, 0o755);
  };
}

const owner = (file: string) => {
  const st = fs.statSync(file);
  return `${st.uid}:${st.gid}`;
};

const STAT = 'stat -c %u:%g /data /data/f && touch /data/new';

describe('idmapped bind mounts', () => {
  itNeeds(host.root)('without a user namespace: host 1000 is seen as 0, and a file made there is 1000\'s on the host', () => {
    const src = ownedDir(1000);
    const r = scope.run(sh(STAT), withMounts({
      destination: '/data', type: 'bind', source: src, options: ['bind'], uidMappings: one(1000, 0), gidMappings: one(1000, 0),
    }));
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['0:0', '0:0']);
    expect(owner(path.join(src, 'new'))).toBe('1000:1000');
  });

  /** A fresh filesystem of this type mounted on a scratch directory (unmounted after the test). */
  function freshFilesystem(type: 'ext4' | 'overlay' | 'tmpfs'): string {
    const base = scope.scratch(`ocirt-idmap-${type}-`);
    const mnt = path.join(base, 'mnt');
    fs.mkdirSync(mnt);
    if (type === 'ext4') {
      const image = path.join(base, 'fs.img');
      fs.writeFileSync(image, '');
      fs.truncateSync(image, 32 << 20);
      execFileSync('mkfs.ext4', ['-q', '-F', image]);
      execFileSync('mount', ['-o', 'loop', image, mnt]);
    } else if (type === 'overlay') {
      for (const d of ['lower', 'upper', 'work']) fs.mkdirSync(path.join(base, d));
      execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${base}/lower,upperdir=${base}/upper,workdir=${base}/work`, mnt]);
    } else {
      execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', mnt]);
    }
    hostMounts.push(mnt);
    const dir = path.join(mnt, 'vol');
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'f'), 'x');
    fs.chownSync(path.join(dir, 'f'), 1000, 1000);
    fs.chownSync(dir, 1000, 1000);
    return dir;
  }

  // Where the kernel idmaps the filesystem the volume works; where it does not (overlayfs
  // on 6.18 idmaps its layers, not a mount of the overlay) the refusal names it, before
  // anything runs. The probe asks the kernel directly, outside ocirt.
  for (const [type, needs] of [['ext4', [host.loopDevice, binaries('mkfs.ext4')]], ['overlay', [host.overlayfs]], ['tmpfs', []]] as const) {
    itNeeds(host.root, ...needs)(`a volume on ${type}: host 1000 is seen as 0 where the kernel idmaps ${type}, a clean refusal naming it where not`, () => {
      const src = freshFilesystem(type);
      const id = scope.id('idfs');
      const r = scope.run(sh(STAT), withMounts({
        destination: '/data', type: 'bind', source: src, options: ['rbind'], uidMappings: one(1000, 0), gidMappings: one(1000, 0),
      }), [], id);
      if (kernelIdmaps(src)) {
        expect(r.stderr).toBe('');
        expect(lines(r.stdout)).toEqual(['0:0', '0:0']);
        expect(owner(path.join(src, 'new'))).toBe('1000:1000');
      } else {
        expectCleanError(r, new RegExp(`/mounts/\\d+ \\(the ${type === 'overlay' ? 'overlayfs' : type} filesystem, statfs type 0x[0-9a-f]+ does not support idmapped mounts on this kernel\\): EINVAL`));
        expect(scope.ocirt(['state', id]).status).not.toBe(0);
        expect(fs.existsSync(path.join(src, 'new'))).toBe(false);
      }
    });
  }

  itNeeds(host.root, host.userNamespaces)('in a user namespace: host 1000 mapped to 100000 is the container\'s root', () => {
    const src = ownedDir(1000);
    const r = scope.run(sh(STAT), inUserNamespace({
      destination: '/data', type: 'bind', source: src, options: ['rbind'], uidMappings: one(1000, 100000), gidMappings: one(1000, 100000),
    }));
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['0:0', '0:0']);
    expect(owner(path.join(src, 'new'))).toBe('1000:1000');
  });

  itNeeds(host.root, host.userNamespaces)('"idmap" without mappings takes the container\'s: a host root-owned directory is the container root\'s', () => {
    const src = ownedDir(0);
    const plain = scope.run(sh('stat -c %u:%g /data/f'), inUserNamespace({ destination: '/data', type: 'bind', source: src, options: ['bind'] }));
    expect(plain.stdout).toBe('65534:65534\n');
    const r = scope.run(sh(STAT), inUserNamespace({ destination: '/data', type: 'bind', source: src, options: ['bind', 'idmap'] }));
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['0:0', '0:0']);
    expect(owner(path.join(src, 'new'))).toBe('0:0');
  });

  itNeeds(host.root, host.userNamespaces)('"idmap" in a user namespace joined by path takes that namespace\'s mapping', () => {
    const ownerId = scope.id('idmap-owner');
    const ob = scope.bundle(['sleep', '1000']);
    inUserNamespace()(ob.spec, ob);
    ob.save();
    const started = ocirtToFiles(scope.root, ['run', '-d', '--bundle', ob.dir, ownerId], { dir: ob.dir });
    expect(started.err()).toBe('');
    const nsPath = `/proc/${stateOf(scope.root, ownerId).pid}/ns/user`;
    const src = ownedDir(0);
    const r = scope.run(sh(STAT), (s, b) => {
      s.linux!.namespaces!.push({ type: 'user', path: nsPath });
      s.mounts!.push({ destination: '/data', type: 'bind', source: src, options: ['rbind', 'idmap'] });
      spawnSync('chown', ['-R', '100000:100000', b.rootfs]);
      fs.chmodSync(b.dir, 0o755);
    });
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['0:0', '0:0']);
    expect(owner(path.join(src, 'new'))).toBe('0:0');
  });

  itNeeds(host.root)('"ridmap" on an rbind idmaps the submounts too, "idmap" only the top', () => {
    const src = ownedDir(1000);
    const sub = path.join(src, 'sub');
    fs.mkdirSync(sub);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,uid=1000,gid=1000', 'tmpfs', sub]);
    hostMounts.push(sub);
    const mount = (option: string): Mount => ({
      destination: '/data', type: 'bind', source: src, options: ['rbind', option], uidMappings: one(1000, 0), gidMappings: one(1000, 0),
    });
    const script = 'stat -c %u /data /data/sub';
    const recursive = scope.run(sh(script), withMounts(mount('ridmap')));
    expect(recursive.stderr).toBe('');
    expect(lines(recursive.stdout)).toEqual(['0', '0']);
    const top = scope.run(sh(script), withMounts(mount('idmap')));
    expect(top.stderr).toBe('');
    expect(lines(top.stdout)).toEqual(['0', '1000']);
  });

  itNeeds(host.root, host.userNamespaces)('a read-only volume of a user-namespaced pod, as containerd\'s CRI writes it (rbind, rro, the pod\'s mappings): ids mapped, submounts read-only', () => {
    const src = ownedDir(0);
    const sub = path.join(src, 'sub');
    fs.mkdirSync(sub);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', sub]);
    hostMounts.push(sub);
    const pod = one(0, 100000, 65536);
    const r = scope.run(
      sh('stat -c %u /data /data/sub; touch /data/sub/x 2>&1 || echo refused'),
      inUserNamespace({ destination: '/data', type: 'bind', source: src, options: ['rbind', 'rro', 'ridmap'], uidMappings: pod, gidMappings: pod }),
    );
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['0', '0', expect.stringContaining('Read-only file system'), 'refused']);
  });

  itNeeds(host.root, host.userNamespaces)('the clone keeps the kernel\'s lock on a read-only source: the container\'s root cannot remount it read-write', () => {
    const src = ownedDir(0);
    execFileSync('mount', ['--bind', '-o', 'ro', src, src]);
    hostMounts.push(src);
    const r = scope.run(
      sh('mount -o remount,bind,rw /data 2>/dev/null && echo remounted; touch /data/x 2>/dev/null || echo refused'),
      (s, b) => {
        inUserNamespace({ destination: '/data', type: 'bind', source: src, options: ['bind', 'idmap'] })(s, b);
        const caps = s.process!.capabilities!;
        for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...(caps[set] ?? []), 'CAP_SYS_ADMIN'];
      },
    );
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['refused']);
  });

  itNeeds(host.root)('a file source: the bind of one file is idmapped too', () => {
    const dir = ownedDir(1000);
    const r = scope.run(sh('stat -c %u:%g /etc/mapped && cat /etc/mapped'), withMounts({
      destination: '/etc/mapped', type: 'bind', source: path.join(dir, 'f'), options: ['bind'], uidMappings: one(1000, 0), gidMappings: one(1000, 0),
    }));
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['0:0', 'x']);
  });

  itNeeds(host.root)('the mount\'s other options still apply: ro refuses writes', () => {
    const src = ownedDir(1000);
    const r = scope.run(sh('stat -c %u /data; touch /data/new 2>&1 || echo refused'), withMounts({
      destination: '/data', type: 'bind', source: src, options: ['bind', 'ro'], uidMappings: one(1000, 0), gidMappings: one(1000, 0),
    }));
    expect(lines(r.stdout)).toEqual(['0', expect.stringContaining('Read-only file system'), 'refused']);
    expect(fs.existsSync(path.join(src, 'new'))).toBe(false);
  });

  describe('refused, with the mount\'s pointer, and nothing left behind', () => {
    itNeeds(host.root)('mappings on a tmpfs mount', () => {
      const id = scope.id('idmap-tmpfs');
      const r = scope.run(sh('true'), withMounts({
        destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'], uidMappings: one(0, 1000), gidMappings: one(0, 1000),
      }), [], id);
      expectCleanError(r, /\/mounts\/\d+: idmapped mounts are only supported for bind mounts/);
      expect(scope.leftovers()).toEqual([]);
    });

    itNeeds(host.root)('"idmap" without mappings in a container without a user namespace', () => {
      const src = ownedDir(1000);
      const id = scope.id('idmap-nons');
      const r = scope.run(sh('true'), withMounts({ destination: '/data', type: 'bind', source: src, options: ['bind', 'idmap'] }), [], id);
      expectCleanError(r, /\/mounts\/\d+\/options: "idmap" without uidMappings and gidMappings .* has no user namespace/);
      expect(scope.leftovers()).toEqual([]);
    });

    itNeeds(host.root)('empty mappings', () => {
      const src = ownedDir(1000);
      const r = scope.run(sh('true'), withMounts({ destination: '/data', type: 'bind', source: src, options: ['bind'], uidMappings: [], gidMappings: one(0, 0) }));
      expectCleanError(r, /\/mounts\/\d+\/uidMappings: has no ranges/);
      expect(scope.leftovers()).toEqual([]);
    });

    itNeeds(host.root)('more ranges than the kernel takes (340)', () => {
      const src = ownedDir(1000);
      const many = Array.from({ length: 341 }, (_, i) => ({ containerID: i, hostID: 1000 + i, size: 1 }));
      const r = scope.run(sh('true'), withMounts({ destination: '/data', type: 'bind', source: src, options: ['bind'], uidMappings: many, gidMappings: one(0, 0) }));
      expectCleanError(r, /\/mounts\/\d+\/uidMappings: has 341 entries; the kernel accepts at most 340/);
      expect(scope.leftovers()).toEqual([]);
    });

    itNeeds(host.root)('a filesystem that cannot be idmapped (sysfs): the kernel\'s EINVAL names it', () => {
      const id = scope.id('idmap-sysfs');
      const r = scope.run(sh('true'), withMounts({
        destination: '/data', type: 'bind', source: '/sys/kernel/mm', options: ['bind'], uidMappings: one(0, 1000), gidMappings: one(0, 1000),
      }), [], id);
      expectCleanError(r, /mount_setattr \/sys\/kernel\/mm for \/mounts\/\d+ \(the sysfs filesystem, statfs type 0x62656572 does not support idmapped mounts on this kernel\): EINVAL/);
      expect(scope.leftovers()).toEqual([]);
    });
  });
});
