// /dev inside the container: default devices, symlinks, linux.devices, shm and mqueue.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestScope, lines, ocirtToFiles, sh } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

describe.skipIf(!isRoot)('devices (needs root)', () => {
  it('default devices exist as character devices with the right numbers and mode 0666', () => {
    const names = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];
    const r = scope.run(sh(names.map((n) => `stat -c '%n %F %t:%T %a %u:%g' /dev/${n}`).join('; ')));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual([
      '/dev/null character special file 1:3 666 0:0',
      '/dev/zero character special file 1:5 666 0:0',
      '/dev/full character special file 1:7 666 0:0',
      '/dev/random character special file 1:8 666 0:0',
      '/dev/urandom character special file 1:9 666 0:0',
      '/dev/tty character special file 5:0 666 0:0',
    ]);
  });

  it('the default devices work', () => {
    const r = scope.run(sh(
      'echo gone > /dev/null && echo null-ok; head -c 4 /dev/zero | od -An -tx1 | tr -d " \\n"; echo; ' +
        'if echo x > /dev/full 2>/dev/null; then echo FULL-WROTE; else echo full-refused; fi; head -c 16 /dev/urandom | wc -c',
    ));
    expect(r.status).toBe(0);
    expect(lines(r.stdout).map((l) => l.trim())).toEqual(['null-ok', '00000000', 'full-refused', '16']);
  });

  it('the /dev symlinks: fd, stdin, stdout, stderr, ptmx', () => {
    // stdout is a file here: /proc/self/fd/1 of a socket (what a spawnSync pipe is) cannot be opened
    const b = scope.bundle(sh('for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done; echo via-stdout >> /dev/stdout; echo via-stderr >> /dev/stderr'));
    const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, scope.id('links')], { dir: b.dir });
    expect(r.err()).toBe('via-stderr\n');
    expect(r.status).toBe(0);
    expect(lines(r.out())).toEqual([
      'fd -> /proc/self/fd',
      'stdin -> /proc/self/fd/0',
      'stdout -> /proc/self/fd/1',
      'stderr -> /proc/self/fd/2',
      'ptmx -> pts/ptmx',
      'via-stdout',
    ]);
  });

  it('/dev holds nothing of the host\'s devices', () => {
    const r = scope.run(['ls', '-A', '/dev']);
    expect(r.status).toBe(0);
    const entries = lines(r.stdout).sort();
    const expected = ['full', 'null', 'random', 'tty', 'urandom', 'zero', 'fd', 'stdin', 'stdout', 'stderr', 'ptmx', 'pts', 'shm', 'mqueue'];
    if (fs.existsSync('/proc/kcore')) expected.push('core');
    expect(entries).toEqual(expected.sort());
  });

  it('linux.devices adds a device with its fileMode, uid and gid', () => {
    const r = scope.run(sh("stat -c '%F %t:%T %a %u:%g' /dev/mynull /dev/sub/myzero; head -c 3 /dev/sub/myzero | wc -c"), (s) => {
      s.linux!.devices = [
        { path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o600, uid: 1000, gid: 1001 },
        { path: '/dev/sub/myzero', type: 'c', major: 1, minor: 5, fileMode: 0o640, uid: 0, gid: 0 },
      ];
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout).map((l) => l.trim())).toEqual([
      'character special file 1:3 600 1000:1001',
      'character special file 1:5 640 0:0',
      '3',
    ]);
  });

  it('a device of the config with a default device\'s path replaces it', () => {
    const r = scope.run(sh("stat -c '%t:%T %a %u' /dev/null"), (s) => {
      s.linux!.devices = [{ path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o620, uid: 7, gid: 7 }];
      // a device of the config is not in the device cgroup's allow list by itself
      s.linux!.resources!.devices!.push({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('1:3 620 7');
  });

  it('a fifo device (type p)', () => {
    const r = scope.run(sh("stat -c '%F %a' /dev/myfifo"), (s) => {
      s.linux!.devices = [{ path: '/dev/myfifo', type: 'p', fileMode: 0o644 }];
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('fifo 644');
  });

  it('a file the image left at /dev/null is replaced by the real device', () => {
    const r = scope.run(sh("stat -c '%F %t:%T' /dev/null"), (s, b) => {
      // the image's /dev is covered by the tmpfs of the default config: drop it
      s.mounts = s.mounts!.filter((m) => m.destination !== '/dev' && !m.destination.startsWith('/dev/'));
      s.root!.readonly = false;
      fs.writeFileSync(path.join(b.rootfs, 'dev', 'null'), 'not a device');
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim(), r.stderr).toBe('character special file 1:3');
  });

  it('/dev/shm is a writable tmpfs, /dev/mqueue an mqueue mount', () => {
    const r = scope.run(sh('echo shared > /dev/shm/f && cat /dev/shm/f; stat -c %a /dev/shm; grep -E " /dev/(shm|mqueue) " /proc/mounts | cut -d" " -f2,3'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['shared', '1777', '/dev/shm tmpfs', '/dev/mqueue mqueue']);
  });

  it('/dev/pts is a new devpts instance whose ptmx has mode 0666', () => {
    const r = scope.run(sh('ls -A /dev/pts; stat -c %a /dev/pts/ptmx'));
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['ptmx', '666']);
  });
});
