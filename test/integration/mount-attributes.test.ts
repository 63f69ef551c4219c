// Recursive mount attributes (rro, rnosuid, rnoatime...: mount_setattr with AT_RECURSIVE),
// tmpcopyup, and a read-only /dev with a terminal, as the container sees them.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Mount, Spec } from '../../src/spec/types';
import { TestScope, expectCleanError, lines, ocirtToFiles, sh, stateOf } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';
import { ConsoleListener, PtyClient } from './terminal-helpers';

const scope = new TestScope();
const hostMounts: string[] = [];
const opened: Array<{ close(): void }> = [];

afterEach(() => {
  for (const o of opened.splice(0)) o.close();
  scope.reset();
  while (hostMounts.length > 0) {
    try {
      execFileSync('umount', ['-R', '-l', hostMounts.pop()!]);
    } catch {
      // already gone
    }
  }
});
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

function addMounts(...mounts: Mount[]) {
  return (s: Spec) => {
    s.mounts!.push(...mounts);
  };
}

/** A host directory that is a tmpfs with file `foo`, and a tmpfs submount `sub` with file `bar`. */
function volumeWithSubmount(): string {
  const vol = scope.scratch('ocirt-recvol-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', vol]);
  hostMounts.push(vol);
  fs.writeFileSync(path.join(vol, 'foo'), 'foo\n');
  fs.mkdirSync(path.join(vol, 'sub'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', path.join(vol, 'sub')]);
  fs.writeFileSync(path.join(vol, 'sub', 'bar'), 'bar\n');
  return vol;
}

/** Per mount point under `prefix`: its per-mount options (mountinfo field 6). */
const MOUNT_OPTIONS = (prefix: string) => `awk '$5 ~ "^${prefix}" {print $5, $6}' /proc/self/mountinfo`;
function optionsByPoint(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const l of lines(stdout)) {
    const [point, options] = l.split(' ');
    if (options) out.set(point, options.split(','));
  }
  return out;
}

const TRY_WRITES = 'for f in /mnt/foo /mnt/sub/bar; do if out=$(sh -c "echo x >> $f" 2>&1); then echo "$f written"; else echo "$f $out"; fi; done';

describe.skipIf(!isRoot)('recursive mount attributes (need root)', () => {
  it('rbind,rro: the bind and its submount are read-only; rbind,ro leaves the submount writable', () => {
    const vol = volumeWithSubmount();
    const script = `${TRY_WRITES}; ${MOUNT_OPTIONS('/mnt')}`;
    const rro = scope.run(sh(script), addMounts({ destination: '/mnt', type: 'bind', source: vol, options: ['rbind', 'rro'] }));
    expect(rro.stderr).toBe('');
    expect(rro.status).toBe(0);
    const [foo, bar] = lines(rro.stdout);
    expect(foo).toMatch(/^\/mnt\/foo .*Read-only file system/);
    expect(bar).toMatch(/^\/mnt\/sub\/bar .*Read-only file system/);
    const opts = optionsByPoint(rro.stdout);
    expect(opts.get('/mnt')).toContain('ro');
    expect(opts.get('/mnt/sub')).toContain('ro');

    const ro = scope.run(sh(script), addMounts({ destination: '/mnt', type: 'bind', source: vol, options: ['rbind', 'ro'] }));
    expect(ro.status).toBe(0);
    expect(lines(ro.stdout).slice(0, 2)).toEqual([expect.stringMatching(/^\/mnt\/foo .*Read-only file system/), '/mnt/sub/bar written']);
    expect(optionsByPoint(ro.stdout).get('/mnt/sub')).toContain('rw');
    // The host's volume itself is untouched by the container's read-only views.
    expect(fs.readFileSync(path.join(vol, 'sub', 'bar'), 'utf8')).toBe('bar\nx\n');
  });

  it('rnosuid, rnodev, rnoexec and rnoatime reach the submount; a later rrw undoes rro', () => {
    const vol = volumeWithSubmount();
    const r = scope.run(
      sh(`${TRY_WRITES}; ${MOUNT_OPTIONS('/mnt')}`),
      addMounts({ destination: '/mnt', type: 'bind', source: vol, options: ['rbind', 'rro', 'rnosuid', 'rnodev', 'rnoexec', 'rnoatime', 'rrw'] }),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout).slice(0, 2)).toEqual(['/mnt/foo written', '/mnt/sub/bar written']);
    for (const point of ['/mnt', '/mnt/sub']) {
      expect(optionsByPoint(r.stdout).get(point), point).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev', 'noexec', 'noatime']));
    }
  });

  it('on the /dev tmpfs they reach the mounts made under it later (/dev/pts, /dev/shm, /dev/mqueue)', () => {
    const r = scope.run(sh(MOUNT_OPTIONS('/dev')), (s) => {
      const dev = s.mounts!.find((m) => m.destination === '/dev')!;
      dev.options = [...(dev.options ?? []), 'rnoatime'];
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const opts = optionsByPoint(r.stdout);
    expect([...opts.keys()]).toEqual(expect.arrayContaining(['/dev', '/dev/pts', '/dev/shm', '/dev/mqueue']));
    for (const [point, o] of opts) expect(o, point).toContain('noatime');
  });
});

describe.skipIf(!isRoot)('tmpcopyup (needs root)', () => {
  it('the tmpfs starts with the image\'s content: owners, modes, set-id bits, symlinks, fifos; writes stay in the tmpfs', () => {
    let rootfs = '';
    const r = scope.run(
      sh([
        'grep " /data " /proc/self/mountinfo | cut -d" " -f9',
        'cd /data',
        'stat -c "%n %u:%g %a %F" . file secret sub sub/inner link fifo',
        'readlink link; cat file sub/inner',
        'echo changed > file; cat file',
      ].join('; ')),
      (s, b) => {
        rootfs = b.rootfs;
        const d = path.join(b.rootfs, 'data');
        fs.mkdirSync(path.join(d, 'sub'), { recursive: true });
        fs.writeFileSync(path.join(d, 'file'), 'from the image\n');
        fs.writeFileSync(path.join(d, 'secret'), 's');
        fs.writeFileSync(path.join(d, 'sub', 'inner'), 'inner\n');
        fs.symlinkSync('../etc/passwd', path.join(d, 'link'));
        execFileSync('mkfifo', [path.join(d, 'fifo')]);
        fs.chownSync(d, 1234, 5678);
        fs.chmodSync(d, 0o1775);
        fs.chownSync(path.join(d, 'secret'), 1000, 1000);
        fs.chmodSync(path.join(d, 'secret'), 0o4710);
        fs.chownSync(path.join(d, 'sub'), 4321, 0);
        fs.chmodSync(path.join(d, 'sub'), 0o711);
        fs.lchownSync(path.join(d, 'link'), 42, 43);
        fs.chmodSync(path.join(d, 'fifo'), 0o620);
        addMounts({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'tmpcopyup'] })(s);
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual([
      'tmpfs',
      '. 1234:5678 1775 directory',
      'file 0:0 644 regular file',
      'secret 1000:1000 4710 regular file',
      'sub 4321:0 711 directory',
      'sub/inner 0:0 644 regular file',
      'link 42:43 777 symbolic link',
      'fifo 0:0 620 fifo',
      '../etc/passwd',
      'from the image',
      'inner',
      'changed',
    ]);
    // The image is unchanged: the container wrote into its tmpfs.
    expect(fs.readFileSync(path.join(rootfs, 'data', 'file'), 'utf8')).toBe('from the image\n');
  });

  it('xattrs are copied where tmpfs takes them (user.* on a regular file)', () => {
    const b = scope.bundle(['sleep', '100']);
    const d = path.join(b.rootfs, 'data');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'file'), 'x');
    execFileSync('python3', ['-c', `import os; os.setxattr(${JSON.stringify(path.join(d, 'file'))}, 'user.origin', b'image')`]);
    b.spec.mounts!.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup'] });
    b.save();
    const id = scope.id('xattr');
    const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    const pid = stateOf(scope.root, id).pid;
    const inContainer = `/proc/${pid}/root/data/file`;
    expect(fs.statfsSync(`/proc/${pid}/root/data`).type).toBe(0x01021994); // TMPFS_MAGIC: the copy, not the image
    const value = execFileSync('python3', ['-c', `import os,sys; sys.stdout.write(os.getxattr(${JSON.stringify(inContainer)}, 'user.origin').decode())`]);
    expect(value.toString()).toBe('image');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });

  it('tmpcopyup on a bind mount is refused with its pointer, before anything is made', () => {
    const id = scope.id('copyupbind');
    const src = scope.scratch('ocirt-copyup-src-');
    const r = scope.run(sh('true'), addMounts({ destination: '/mnt', type: 'bind', source: src, options: ['rbind', 'tmpcopyup'] }), [], id);
    expectCleanError(r, /\/mounts\/\d+\/options\/1: tmpcopyup can be used only with a tmpfs mount/);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    expect(scope.leftovers()).toEqual([]);
  });
});

describe.skipIf(!isRoot)('in a user namespace of the container (needs root)', () => {
  it('rbind,rro reaches the submount, and tmpcopyup copies with the mapped owners', () => {
    const vol = volumeWithSubmount();
    // Writable by anyone, so that what refuses the container's (unmapped-owner) writes is the mount.
    for (const f of ['foo', 'sub/bar']) fs.chmodSync(path.join(vol, f), 0o666);
    const r = scope.run(
      sh(`${TRY_WRITES}; stat -c "%n %u:%g %a" /data/f /data/d`),
      (s, b) => {
        s.linux!.namespaces!.push({ type: 'user' });
        s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        fs.mkdirSync(path.join(b.rootfs, 'data', 'd'), { recursive: true });
        fs.writeFileSync(path.join(b.rootfs, 'data', 'f'), 'x');
        execFileSync('chown', ['-R', '100000:100000', b.rootfs]);
        fs.chownSync(path.join(b.rootfs, 'data', 'f'), 101000, 102000);
        fs.chmodSync(path.join(b.rootfs, 'data', 'd'), 0o750);
        fs.chmodSync(b.dir, 0o755);
        addMounts(
          { destination: '/mnt', type: 'bind', source: vol, options: ['rbind', 'rro'] },
          { destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup'] },
        )(s);
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual([
      expect.stringMatching(/^\/mnt\/foo .*Read-only file system/),
      expect.stringMatching(/^\/mnt\/sub\/bar .*Read-only file system/),
      '/data/f 1000:2000 644',
      '/data/d 0:0 750',
    ]);
  });
});

describe.skipIf(!isRoot)('a read-only /dev with a terminal (needs root)', () => {
  it('/dev/console is the pty and /dev is read-only, as runc makes it', async () => {
    const l = new ConsoleListener(scope.scratch('ocirt-console-'));
    opened.push(l);
    const b = scope.bundle(['sh'], (s) => {
      s.process!.terminal = true;
      const dev = s.mounts!.find((m) => m.destination === '/dev')!;
      dev.options = [...(dev.options ?? []), 'ro'];
    });
    const id = scope.id('rodev');
    const r = ocirtToFiles(scope.root, ['create', '--console-socket', l.path, '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    const { fd, name } = l.receive(5_000);
    expect(scope.ocirt(['start', id]).status).toBe(0);
    const pty = new PtyClient(fd);
    opened.push(pty);
    pty.write('tty; stat -c "%t %F" /dev/console; grep " /dev " /proc/self/mountinfo | cut -d" " -f6; touch /dev/x || echo refused-$((1+1))\n');
    const out = await pty.waitFor('refused-2\r\n');
    expect(out).toContain(`${name}\r\n`);
    expect(out).toContain('88 character special file'); // major 136: a pty slave
    expect(out).toMatch(/\r\nro,[^\r]*\r\n/);
    expect(out).toContain('Read-only file system');
    pty.write('exit\n');
    await pty.waitEnd();
  });
});
