// The root filesystem and the config's mounts as the container sees them.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Mount, Spec } from '../../src/spec/types';
import type { TestBundle } from '../helpers/bundle';
import { TestScope, lines, ocirtBackground, ocirtToFiles, sh } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';
import { host, itNeeds } from '../helpers/host-capabilities';

const scope = new TestScope();
/** Host mounts a test made (for rbind/propagation); unmounted in afterEach. */
const hostMounts: string[] = [];

afterEach(() => {
  scope.reset();
  while (hostMounts.length > 0) {
    const m = hostMounts.pop()!;
    try {
      execFileSync('umount', ['-l', m]);
    } catch {
      // already gone
    }
  }
});
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

function hostMount(args: string[], target: string): void {
  execFileSync('mount', [...args, target]);
  hostMounts.push(target);
}

function addMounts(...mounts: Mount[]) {
  return (s: { mounts?: Mount[] }) => {
    s.mounts!.push(...mounts);
  };
}

/** /proc/self/mountinfo of the container, by mount point: {options, optional, fstype, superOptions}. */
const MOUNTINFO = 'cat /proc/self/mountinfo';
interface MountInfo {
  root: string;
  options: string[];
  optional: string[];
  fstype: string;
  source: string;
  superOptions: string[];
}
function parseMountinfo(text: string): Map<string, MountInfo> {
  const out = new Map<string, MountInfo>();
  for (const line of lines(text)) {
    const [left, right] = line.split(' - ');
    const f = left.split(' ');
    const [fstype, source, superOptions] = right.split(' ');
    out.set(f[4], { root: f[3], options: f[5].split(','), optional: f.slice(6), fstype, source, superOptions: superOptions.split(',') });
  }
  return out;
}


/** Prints ip_forward, then tries to write its opposite and says whether it could, then prints it again. */
const FLIP_IP_FORWARD =
  'f=/proc/sys/net/ipv4/ip_forward; v=$(cat $f); echo $v; if echo $((1 - v)) > $f 2>/dev/null; then echo %WROTE%; else echo %REFUSED%; fi; cat $f';
describe.skipIf(!isRoot)('bind mounts (needs root)', () => {
  it('a directory, read-write: the container writes, the host sees it', () => {
    const src = scope.scratch('ocirt-bind-');
    fs.writeFileSync(path.join(src, 'from-host'), 'hello\n');
    const r = scope.run(sh('cat /data/from-host; echo back > /data/from-container'), addMounts({ destination: '/data', type: 'bind', source: src, options: ['bind', 'rw'] }));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('hello\n');
    expect(fs.readFileSync(path.join(src, 'from-container'), 'utf8')).toBe('back\n');
  });

  it('a directory, read-only: reading works, writing fails', () => {
    const src = scope.scratch('ocirt-bind-');
    fs.writeFileSync(path.join(src, 'f'), 'content\n');
    const r = scope.run(
      sh('cat /data/f; if echo x > /data/new 2>/dev/null; then echo WROTE; else echo refused; fi; grep " /data " /proc/self/mountinfo | cut -d" " -f6'),
      addMounts({ destination: '/data', type: 'bind', source: src, options: ['rbind', 'ro'] }),
    );
    expect(r.status).toBe(0);
    const [content, write, options] = lines(r.stdout);
    expect(content).toBe('content');
    expect(write).toBe('refused');
    expect(options.split(',')).toContain('ro');
    expect(fs.existsSync(path.join(src, 'new'))).toBe(false);
  });

  it('a file, read-only and read-write', () => {
    const dir = scope.scratch('ocirt-bindfile-');
    const ro = path.join(dir, 'ro.txt');
    const rw = path.join(dir, 'rw.txt');
    fs.writeFileSync(ro, 'read me\n');
    fs.writeFileSync(rw, 'old\n');
    const r = scope.run(
      sh('cat /etc/ro.txt; if echo x >> /etc/ro.txt 2>/dev/null; then echo WROTE; else echo refused; fi; echo new > /etc/rw.txt; echo ok'),
      addMounts(
        { destination: '/etc/ro.txt', type: 'bind', source: ro, options: ['bind', 'ro'] },
        { destination: '/etc/rw.txt', type: 'bind', source: rw, options: ['bind', 'rw'] },
      ),
    );
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['read me', 'refused', 'ok']);
    expect(fs.readFileSync(ro, 'utf8')).toBe('read me\n');
    expect(fs.readFileSync(rw, 'utf8')).toBe('new\n');
  });

  it('destinations missing in the rootfs are created (directories and files, nested)', () => {
    const dir = scope.scratch('ocirt-bindnew-');
    fs.writeFileSync(path.join(dir, 'file'), 'a file\n');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'inner'), 'inner\n');
    let rootfs = '';
    const r = scope.run(
      sh('cat /new/deep/dir/inner /other/place/file.txt; [ -d /new/deep/dir ] && [ -f /other/place/file.txt ] && echo kinds-ok'),
      (s, b) => {
        rootfs = b.rootfs;
        addMounts(
          { destination: '/new/deep/dir', type: 'bind', source: path.join(dir, 'sub'), options: ['bind'] },
          { destination: '/other/place/file.txt', type: 'bind', source: path.join(dir, 'file'), options: ['bind', 'ro'] },
        )(s);
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['inner', 'a file', 'kinds-ok']);
    // the mount points were made in the bundle's rootfs, nowhere else
    expect(fs.statSync(path.join(rootfs, 'new/deep/dir')).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(rootfs, 'other/place/file.txt')).isFile()).toBe(true);
  });

  it('bind does not carry submounts, rbind does', () => {
    const src = scope.scratch('ocirt-rbind-');
    fs.mkdirSync(path.join(src, 'sub'));
    hostMount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], path.join(src, 'sub'));
    fs.writeFileSync(path.join(src, 'sub', 'on-submount'), 'x');
    const script = 'ls /data/sub | wc -l';
    const bind = scope.run(sh(script), addMounts({ destination: '/data', type: 'bind', source: src, options: ['bind'] }));
    const rbind = scope.run(sh(script), addMounts({ destination: '/data', type: 'bind', source: src, options: ['rbind'] }));
    expect(bind.status).toBe(0);
    expect(rbind.status).toBe(0);
    expect(bind.stdout).toBe('0\n');
    expect(rbind.stdout).toBe('1\n');
  });

  it('a bind source that does not exist fails create with its path and leaves nothing', () => {
    const id = scope.id('badsrc');
    const missing = path.join(scope.scratch(), 'no-such-dir');
    const r = scope.run(sh('true'), addMounts({ destination: '/data', type: 'bind', source: missing, options: ['bind'] }), [], id);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(missing);
    expect(r.stderr).toContain('/mounts/7');
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    expect(scope.leftovers()).toEqual([]);
  });
});

describe.skipIf(!isRoot)('bind mounts in a user namespace (needs root)', () => {
  /** Container root is host uid/gid 100000, which owns the rootfs. */
  function inUserNamespace(s: Spec, b: TestBundle): void {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    execFileSync('chown', ['-R', '100000:100000', b.rootfs]);
    fs.chmodSync(b.dir, 0o755);
  }

  /**
   * A root-owned 0700 directory (the mapped root cannot enter it) holding dir/foo.txt,
   * other/foo.txt and file.txt.
   */
  function closedSources(): { closed: string; dir: string; other: string; file: string } {
    const closed = scope.scratch('ocirt-closed-');
    fs.chmodSync(closed, 0o700);
    const [dir, other] = ['dir', 'other'].map((name) => {
      const d = path.join(closed, name);
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'foo.txt'), `in ${name}\n`);
      return d;
    });
    const file = path.join(closed, 'file.txt');
    fs.writeFileSync(file, 'a closed file\n');
    return { closed, dir, other, file };
  }

  it('sources inside a 0700 root-owned directory are mounted: content visible, ro still ro, other flags kept', () => {
    const { closed, dir, other, file } = closedSources();
    expect(fs.statSync(closed)).toMatchObject({ uid: 0, mode: 0o40700 });
    const r = scope.run(
      sh([
        'cat /mnt/d/foo.txt /mnt/f /mnt/rb/foo.txt',
        'if touch /mnt/d/new 2>/dev/null; then echo WROTE; else echo refused; fi',
        `grep -E " /mnt/(d|f|rb) " /proc/self/mountinfo | cut -d" " -f5,6`,
      ].join('; ')),
      (s, b) => {
        inUserNamespace(s, b);
        addMounts(
          { destination: '/mnt/d', type: 'bind', source: dir, options: ['bind', 'ro'] },
          { destination: '/mnt/f', type: 'bind', source: file, options: ['bind', 'nosuid', 'nodev'] },
          { destination: '/mnt/rb', type: 'bind', source: other, options: ['rbind', 'noexec'] },
        )(s);
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    expect(out.slice(0, 4)).toEqual(['in dir', 'a closed file', 'in other', 'refused']);
    const options = new Map(out.slice(4).map((l) => l.split(' ') as [string, string]));
    expect(options.get('/mnt/d')?.split(',')).toContain('ro');
    expect(options.get('/mnt/f')?.split(',')).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev']));
    expect(options.get('/mnt/rb')?.split(',')).toEqual(expect.arrayContaining(['rw', 'noexec']));
    expect(fs.existsSync(path.join(dir, 'new'))).toBe(false);
  });

  it('exec in such a container sees the mounts too', () => {
    const { dir, file } = closedSources();
    const id = scope.id('userns-closed');
    const b = scope.bundle(['sleep', '1000']);
    inUserNamespace(b.spec, b);
    addMounts(
      { destination: '/tmp/mount-1', type: 'bind', source: dir, options: ['bind'] },
      { destination: '/tmp/mount-2', type: 'bind', source: file, options: ['bind'] },
    )(b.spec);
    b.save();
    const run = ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir });
    expect(run.err()).toBe('');
    expect(run.status).toBe(0);
    const e = scope.ocirt(['exec', id, 'cat', '/tmp/mount-1/foo.txt', '/tmp/mount-2']);
    expect(e.stderr).toBe('');
    expect(e.stdout).toBe('in dir\na closed file\n');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });

  it('a source that is a read-only mount on the host cannot be made writable inside', () => {
    const src = scope.scratch('ocirt-rohost-');
    fs.chmodSync(src, 0o755);
    hostMount(['--bind', src], src);
    execFileSync('mount', ['-o', 'remount,bind,ro', src]);
    const r = scope.run(
      sh('if mount -o remount,bind,rw /mnt/r 2>/dev/null; then echo REMOUNTED; else echo refused; fi; grep " /mnt/r " /proc/self/mountinfo | cut -d" " -f6'),
      (s, b) => {
        inUserNamespace(s, b);
        addMounts({ destination: '/mnt/r', type: 'bind', source: src, options: ['bind'] })(s);
      },
    );
    expect(r.status).toBe(0);
    const [remount, options] = lines(r.stdout);
    expect(remount).toBe('refused');
    expect(options.split(',')).toContain('ro');
  });
});

describe.skipIf(!isRoot)('propagation (needs root)', () => {
  /** A host directory made a shared mount, so that propagation shows. */
  function sharedSource(): string {
    const src = scope.scratch('ocirt-shared-');
    hostMount(['--bind', src], src);
    execFileSync('mount', ['--make-shared', src]);
    return src;
  }

  it('rslave/rprivate/rshared on a bind appear in the container\'s mountinfo', () => {
    const src = sharedSource();
    const run = (option: string) => {
      const r = scope.run(sh(MOUNTINFO), addMounts({ destination: '/data', type: 'bind', source: src, options: ['rbind', option] }));
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return parseMountinfo(r.stdout).get('/data')!.optional.map((o) => o.replace(/:\d+$/, ''));
    };
    expect(run('rslave')).toEqual(['master']);
    expect(run('rprivate')).toEqual([]);
    expect(run('rshared')).toContain('shared');
  });

  it('a host mount made after start reaches an rslave bind, not an rprivate one', async () => {
    const src = sharedSource();
    fs.mkdirSync(path.join(src, 'late'));
    const script = 'echo ready; while [ ! -e /data/go ]; do sleep 0.05; done; if [ -e /data/late/marker ]; then echo seen; else echo unseen; fi';
    const start = (option: string) => {
      const id = scope.id(`prop-${option}`);
      const b = scope.bundle(sh(script));
      b.spec.mounts!.push({ destination: '/data', type: 'bind', source: src, options: ['rbind', option] });
      b.save();
      return ocirtBackground(scope.root, ['run', '--bundle', b.dir, id]);
    };
    const slave = start('rslave');
    const priv = start('rprivate');
    // both containers are up (they printed "ready" only after their mounts were made)
    await waitUntil(() => fs.existsSync(path.join(scope.root)) && fs.readdirSync(scope.root).length === 2);
    for (const id of fs.readdirSync(scope.root)) await waitUntil(() => scope.ocirt(['state', id]).stdout.includes('"running"'));
    hostMount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], path.join(src, 'late'));
    fs.writeFileSync(path.join(src, 'late', 'marker'), '');
    fs.writeFileSync(path.join(src, 'go'), '');
    const [s, p] = await Promise.all([slave.done, priv.done]);
    expect(s.stdout).toBe('ready\nseen\n');
    expect(p.stdout).toBe('ready\nunseen\n');
  });

  it('rootfsPropagation: the default (rslave) and rprivate', () => {
    const mountinfoOfRoot = (prop?: 'rslave' | 'rprivate') => {
      const b = scope.bundle(sh(MOUNTINFO), (s) => {
        if (prop) s.linux!.rootfsPropagation = prop;
      });
      // the bundle itself on a shared mount, as on hosts where / is shared (systemd)
      hostMount(['--bind', b.dir], b.dir);
      execFileSync('mount', ['--make-shared', b.dir]);
      const r = scope.ocirt(['run', '--bundle', b.dir, scope.id('rootprop')]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return parseMountinfo(r.stdout).get('/')!.optional.map((o) => o.replace(/:\d+$/, ''));
    };
    expect(mountinfoOfRoot()).toEqual(['master']);
    expect(mountinfoOfRoot('rslave')).toEqual(['master']);
    expect(mountinfoOfRoot('rprivate')).toEqual([]);
  });
});

describe.skipIf(!isRoot)('filesystems (needs root)', () => {
  it('tmpfs with mode and size options', () => {
    const r = scope.run(
      sh('stat -c %a /scratch; grep " /scratch " /proc/mounts; echo x > /scratch/f && cat /scratch/f'),
      addMounts({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1770', 'size=2m'] }),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [mode, mountLine, content] = lines(r.stdout);
    expect(mode).toBe('1770');
    const [, , fstype, options] = mountLine.split(' ');
    expect(fstype).toBe('tmpfs');
    expect(options.split(',')).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev', 'size=2048k', 'mode=1770']));
    expect(content).toBe('x');
  });

  it('a tmpfs without mode= takes the mode of the directory it covers, set-id and sticky bits too; mode= wins; a point ocirt makes keeps 1777', () => {
    const r = scope.run(sh('stat -c "%a %A" /sgid /suid /given /made'), (s, b) => {
      for (const [dir, mode] of [['sgid', 0o2775], ['suid', 0o5777], ['given', 0o755]] as const) {
        fs.mkdirSync(path.join(b.rootfs, dir));
        fs.chmodSync(path.join(b.rootfs, dir), mode);
      }
      addMounts(
        { destination: '/sgid', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m'] },
        { destination: '/suid', type: 'tmpfs', source: 'tmpfs' },
        { destination: '/given', type: 'tmpfs', source: 'tmpfs', options: ['mode=0700'] },
        { destination: '/made', type: 'tmpfs', source: 'tmpfs' },
      )(s);
    });
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['2775 drwxrwsr-x', '5777 drwsrwxrwt', '700 drwx------', '1777 drwxrwxrwt']);
  });

  it('proc, sysfs (read-only), devpts, /dev/shm and mqueue of the default config', () => {
    const r = scope.run(sh(MOUNTINFO));
    expect(r.status).toBe(0);
    const m = parseMountinfo(r.stdout);
    expect(m.get('/proc')?.fstype).toBe('proc');
    expect(m.get('/sys')?.fstype).toBe('sysfs');
    expect(m.get('/sys')?.options).toContain('ro');
    expect(m.get('/dev')?.fstype).toBe('tmpfs');
    expect(m.get('/dev/pts')?.fstype).toBe('devpts');
    expect(m.get('/dev/pts')?.superOptions).toEqual(expect.arrayContaining(['mode=620', 'ptmxmode=666', 'gid=5']));
    expect(m.get('/dev/shm')?.fstype).toBe('tmpfs');
    expect(m.get('/dev/shm')?.options).toEqual(expect.arrayContaining(['nosuid', 'nodev', 'noexec']));
    expect(m.get('/dev/mqueue')?.fstype).toBe('mqueue');
  });

  it('/sys is read-only', () => {
    const r = scope.run(sh('if echo 1 > /sys/kernel/profiling 2>/dev/null || mkdir /sys/x 2>/dev/null; then echo WROTE; else echo refused; fi'));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('refused\n');
  });

  itNeeds(host.cgroupV1)('cgroup v1: every controller under /sys/fs/cgroup, read-only, showing the container\'s own cgroup', () => {
    const hostControllers = fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => / - cgroup /.test(l))
      .map((l) => path.basename(l.split(' ')[4]))
      .sort();
    const r = scope.run(sh(`ls /sys/fs/cgroup; ${MOUNTINFO}; cat /sys/fs/cgroup/memory/cgroup.procs`));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const text = lines(r.stdout);
    const infoStart = text.findIndex((l) => /^\d+ \d+ /.test(l));
    const listed = text.slice(0, infoStart);
    expect(listed).toEqual(expect.arrayContaining(hostControllers));
    const m = parseMountinfo(text.slice(infoStart).filter((l) => /^\d+ \d+ /.test(l)).join('\n'));
    for (const c of hostControllers) {
      const info = m.get(`/sys/fs/cgroup/${c}`);
      expect(info, c).toBeDefined();
      expect(info!.options, c).toContain('ro');
      expect(info!.fstype, c).toBe('cgroup');
    }
    // only the container's processes are in its memory cgroup: sh and cat
    const procs = text.slice(infoStart).filter((l) => /^\d+$/.test(l));
    expect(procs.length).toBeLessThanOrEqual(2);
    expect(procs).toContain('1');
  });

  itNeeds(host.cgroupV1)('cgroup v1: nothing can be created in /sys/fs/cgroup or in a controller', () => {
    const r = scope.run(sh(
      'for p in /sys/fs/cgroup/newfile /sys/fs/cgroup/memory/newgroup; do if mkdir $p 2>/dev/null; then echo "created $p"; else echo "refused $p"; fi; done',
    ));
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['refused /sys/fs/cgroup/newfile', 'refused /sys/fs/cgroup/memory/newgroup']);
  });
});

describe.skipIf(!isRoot)('root filesystem (needs root)', () => {
  it('root.readonly: / cannot be written, a tmpfs on /tmp can', () => {
    const r = scope.run(
      sh('if touch /newfile 2>/dev/null; then echo WROTE; else echo refused; fi; echo x > /tmp/f && cat /tmp/f'),
      addMounts({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] }),
    );
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['refused', 'x']);
  });

  it('root.readonly false: / is writable and writes land in the bundle\'s rootfs', () => {
    let rootfs = '';
    const r = scope.run(sh('echo written > /newfile && echo ok'), (s, b) => {
      s.root!.readonly = false;
      rootfs = b.rootfs;
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('ok\n');
    expect(fs.readFileSync(path.join(rootfs, 'newfile'), 'utf8')).toBe('written\n');
  });

  it('the old root is gone: no host path is reachable', () => {
    const marker = path.join(scope.scratch('ocirt-hostonly-'), 'marker');
    fs.writeFileSync(marker, 'host');
    const r = scope.run(sh(`if [ -e ${marker} ]; then echo VISIBLE; else echo hidden; fi; ls /`));
    expect(r.status).toBe(0);
    const [visible, ...root] = lines(r.stdout);
    expect(visible).toBe('hidden');
    expect(root.sort()).toEqual(fs.readdirSync(path.join(scope.dirs[scope.dirs.length - 1], 'rootfs')).sort());
  });

  it('--no-pivot works (MS_MOVE + chroot) and the root is still the bundle\'s rootfs', () => {
    let rootfs = '';
    const r = scope.run(
      sh('cat /marker; hostname; if touch /x 2>/dev/null; then echo WROTE; else echo refused; fi'),
      (s, b) => {
        fs.writeFileSync(path.join(b.rootfs, 'marker'), 'in-rootfs\n');
        rootfs = b.rootfs;
      },
      ['--no-pivot'],
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['in-rootfs', 'runc', 'refused']);
    expect(rootfs).not.toBe('');
  });

  it('a symlink at /proc in the rootfs is refused', () => {
    const id = scope.id('procsym');
    const r = scope.run(sh('true'), (_s, b) => {
      fs.rmSync(path.join(b.rootfs, 'proc'), { recursive: true });
      fs.symlinkSync('/tmp', path.join(b.rootfs, 'proc'));
    }, [], id);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/proc/);
    expect(r.stderr).toMatch(/symlink: it must be mounted on ordinary directory/);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  });
});

describe.skipIf(!isRoot)('masked and read-only paths, sysctl (needs root)', () => {
  itNeeds(host.timerList)('maskedPaths: a masked file reads empty, a masked directory is an empty read-only tmpfs', () => {
    const script = [
      'wc -c < /proc/timer_list',
      'wc -c < /etc/secret.txt',
      'ls -A /secret | wc -l',
      'if touch /secret/x 2>/dev/null; then echo WROTE; else echo refused; fi',
      'grep " /secret " /proc/mounts | cut -d" " -f3,4',
    ].join('; ');
    const rootfsSecrets = (b: { rootfs: string }) => {
      fs.mkdirSync(path.join(b.rootfs, 'secret'));
      fs.writeFileSync(path.join(b.rootfs, 'secret', 'key'), 'do not show');
      fs.writeFileSync(path.join(b.rootfs, 'etc', 'secret.txt'), 'do not show either');
    };
    const masked = scope.run(sh(script), (s, b) => {
      rootfsSecrets(b);
      s.linux!.maskedPaths!.push('/secret', '/etc/secret.txt');
    });
    expect(masked.stderr).toBe('');
    expect(masked.status).toBe(0);
    const [timerList, secretFile, entries, write, mount] = lines(masked.stdout).map((l) => l.trim());
    expect(timerList).toBe('0');
    expect(secretFile).toBe('0');
    expect(entries).toBe('0');
    expect(write).toBe('refused');
    const [fstype, options] = mount.split(' ');
    expect(fstype).toBe('tmpfs');
    expect(options.split(',')).toContain('ro');

    // the same container without the masks sees the contents
    const open = scope.run(sh(script), (s, b) => {
      rootfsSecrets(b);
      s.linux!.maskedPaths = [];
    });
    expect(open.status).toBe(0);
    const [t2, f2, e2] = lines(open.stdout).map((l) => l.trim());
    expect(Number(t2)).toBeGreaterThan(0);
    expect(f2).toBe(String('do not show either'.length));
    expect(e2).toBe('1');
  });

  it('maskedPaths that do not exist are skipped', () => {
    const r = scope.run(sh('echo ran'), (s) => {
      s.linux!.maskedPaths!.push('/no/such/path');
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('ran\n');
  });

  it('readonlyPaths: /proc/sys cannot be written', () => {
    const r = scope.run(
      sh(FLIP_IP_FORWARD.replace('%WROTE%', 'WROTE').replace('%REFUSED%', 'refused')),
      (s) => {
        s.process!.capabilities!.bounding!.push('CAP_NET_ADMIN');
        s.process!.capabilities!.effective!.push('CAP_NET_ADMIN');
        s.process!.capabilities!.permitted!.push('CAP_NET_ADMIN');
      },
    );
    expect(r.status).toBe(0);
    // A new network namespace copies the host's ip_forward (devconf_inherit_init_net 0),
    // which engines on the host may have set: the value before the write stays.
    const [before, verdict, after] = lines(r.stdout);
    expect([verdict, after]).toEqual(['refused', before]);
  });

  it('readonlyPaths can be written when not listed (the test above can fail)', () => {
    const r = scope.run(
      sh(FLIP_IP_FORWARD.replace('%WROTE%', 'wrote').replace('%REFUSED%', 'REFUSED')),
      (s) => {
        s.linux!.readonlyPaths = s.linux!.readonlyPaths!.filter((p) => p !== '/proc/sys');
        s.process!.capabilities!.bounding!.push('CAP_NET_ADMIN');
        s.process!.capabilities!.effective!.push('CAP_NET_ADMIN');
        s.process!.capabilities!.permitted!.push('CAP_NET_ADMIN');
      },
    );
    expect(r.status).toBe(0);
    const [before, verdict, after] = lines(r.stdout);
    expect([verdict, after]).toEqual(['wrote', String(1 - Number(before))]);
  });

  it('sysctl: set in the container\'s namespaces, not on the host', () => {
    const hostForward = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    const r = scope.run(sh('cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname /proc/sys/kernel/msgmax'), (s) => {
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.domainname': 'sysctl.example', 'kernel.msgmax': '12345' };
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['1', 'sysctl.example', '12345']);
    expect(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(hostForward);
  });

  it('sysctl of a namespace the container does not have is refused', () => {
    const id = scope.id('sysctl-hostnet');
    const r = scope.run(sh('true'), (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    }, [], id);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('net.ipv4.ip_forward');
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  });
});

async function waitUntil(cond: () => boolean, limitMs = 20_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}
