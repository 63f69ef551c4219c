// Namespaces created and joined: what the container sees of each.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, hostMountsMentioning, lines, ocirtToFiles, sh, stateOf, waitForStatus } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';
import { binaries, host, itNeeds } from '../helpers/host-capabilities';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const KINDS = ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'] as const;
/** Name of each kind under /proc/<pid>/ns. */
const NS_FILE: Record<string, string> = { pid: 'pid', network: 'net', ipc: 'ipc', uts: 'uts', mount: 'mnt', cgroup: 'cgroup', user: 'user', time: 'time' };

function hostNs(kind: string): string {
  return fs.readlinkSync(`/proc/self/ns/${NS_FILE[kind]}`);
}

function withoutNamespace(spec: Spec, kind: string): void {
  spec.linux!.namespaces = spec.linux!.namespaces!.filter((n) => n.type !== kind);
}

/** Prints "kind link" for each namespace of the container's process. */
const PRINT_NS = Object.entries(NS_FILE)
  .map(([kind, file]) => `echo ${kind} $(readlink /proc/self/ns/${file})`)
  .join('; ');

function nsLinks(stdout: string): Record<string, string> {
  return Object.fromEntries(lines(stdout).map((l) => l.split(' ') as [string, string]));
}

describe.skipIf(!isRoot)('namespaces (needs root)', () => {
  it('each namespace of the config is a new one, the others are the host\'s', () => {
    const r = scope.run(sh(PRINT_NS));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const links = nsLinks(r.stdout);
    for (const kind of KINDS) expect(links[kind], kind).not.toBe(hostNs(kind));
    // not in the config: shared with the host
    expect(links.user).toBe(hostNs('user'));
  });

  itNeeds(host.timeNamespaces)('time: the host\'s when the config has none', () => {
    const r = scope.run(sh(PRINT_NS));
    expect(r.status).toBe(0);
    expect(nsLinks(r.stdout).time).toBe(hostNs('time'));
  });

  it('pid: the process is pid 1 and sees only its own processes', () => {
    const r = scope.run(sh('echo $$; ls /proc | grep -E "^[0-9]+$" | sort -n | tr "\\n" " "'));
    expect(r.status).toBe(0);
    const [pid, procs] = lines(r.stdout);
    expect(pid).toBe('1');
    // sh itself (1), and the ls, grep, sort, tr of the pipeline
    expect(procs.trim().split(' ').every((p) => Number(p) < 10)).toBe(true);
  });

  it('pid: without a pid namespace the process sees the host\'s pids', () => {
    const r = scope.run(sh('echo $$'), (s) => withoutNamespace(s, 'pid'));
    expect(r.status).toBe(0);
    expect(Number(r.stdout.trim())).toBeGreaterThan(1);
  });

  it('uts: hostname and domainname from the config', () => {
    const r = scope.run(sh('hostname; cat /proc/sys/kernel/domainname'), (s) => {
      s.hostname = 'box-one';
      s.domainname = 'example.test';
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('box-one\nexample.test\n');
    expect(r.status).toBe(0);
    // the host's names are untouched
    expect(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim()).not.toBe('box-one');
  });

  it('network: only a loopback interface', () => {
    const r = scope.run(sh('ls /sys/class/net; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['lo', 'lo']);
  });

  itNeeds(binaries('ipcmk', 'ipcrm'))('ipc: a System V message queue of the host is visible only without an ipc namespace', () => {
    // /proc/sysvipc/msg lists the queues of the caller's ipc namespace
    const made = execFileSync('ipcmk', ['-Q'], { encoding: 'utf8' });
    const qid = /(\d+)/.exec(made)![1];
    try {
      const script = `awk 'NR > 1 && $2 == ${qid}' /proc/sysvipc/msg | wc -l`;
      const own = scope.run(sh(script));
      expect(own.status).toBe(0);
      expect(own.stdout).toBe('0\n');
      const shared = scope.run(sh(script), (s) => withoutNamespace(s, 'ipc'));
      expect(shared.status).toBe(0);
      expect(shared.stdout).toBe('1\n');
    } finally {
      execFileSync('ipcrm', ['-q', qid]);
    }
  });

  it('mount: the container has its own mount table; nothing of it shows on the host', () => {
    let bundleDir = '';
    const r = scope.run(sh('cut -d" " -f5 /proc/self/mountinfo'), (_s, b) => {
      bundleDir = b.dir;
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const points = lines(r.stdout);
    // one root, and nothing of the host's other mounts: only what the config mounts
    expect(points.filter((p) => p === '/')).toHaveLength(1);
    for (const p of points) expect(p).toMatch(/^\/$|^\/(proc|dev|sys)(\/|$)/);
    expect(points).toEqual(expect.arrayContaining(['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys']));
    expect(hostMountsMentioning(bundleDir)).toEqual([]);
  });

  it('cgroup: /proc/self/cgroup shows "/" in every hierarchy', () => {
    const r = scope.run(['cat', '/proc/self/cgroup']);
    expect(r.status).toBe(0);
    const entries = lines(r.stdout);
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e).toMatch(/^\d+:[^:]*:\/$/);
  });

  itNeeds(host.cgroupV1)('cgroup: without a cgroup namespace the path of the container\'s cgroup shows', () => {
    const id = scope.id('nocgns');
    const r = scope.run(['cat', '/proc/self/cgroup'], (s) => withoutNamespace(s, 'cgroup'), [], id);
    expect(r.status).toBe(0);
    const memory = lines(r.stdout).find((l) => /^\d+:memory:/.test(l));
    expect(memory).toMatch(new RegExp(`/${id}$`));
  });

  itNeeds(host.userNamespaces)('user: uid/gid mappings; the mapped root owns the rootfs', () => {
    const r = scope.run(
      sh('cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; stat -c "%u:%g" /bin/busybox; touch /tmp/x && stat -c "%u:%g" /tmp/x'),
      (s, b) => {
        s.linux!.namespaces!.push({ type: 'user' });
        s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.root!.readonly = false;
        execFileSync('chown', ['-R', '100000:100000', b.rootfs]);
        fs.chmodSync(b.dir, 0o755);
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = lines(r.stdout).map((l) => l.trim().split(/\s+/).join(' '));
    expect(out).toEqual(['0 100000 65536', '0 100000 65536', '0', '0', '0:0', '0:0']);
  });

  itNeeds(host.userNamespaces)('user: the file a container root creates is owned by the mapped host uid', () => {
    const shared = scope.scratch('ocirt-userns-');
    fs.chownSync(shared, 100000, 100000);
    fs.chmodSync(shared, 0o755);
    const r = scope.run(sh('echo data > /shared/made-inside'), (s, b) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.mounts!.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] });
      execFileSync('chown', ['-R', '100000:100000', b.rootfs]);
      fs.chmodSync(b.dir, 0o755);
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const st = fs.statSync(path.join(shared, 'made-inside'));
    expect([st.uid, st.gid]).toEqual([100000, 100000]);
  });

  itNeeds(host.timeNamespaces)('time: monotonic and boottime offsets', () => {
    const day = 86400;
    const hostUptime = () => Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const before = hostUptime();
    const r = scope.run(sh('cat /proc/uptime; cat /proc/self/timens_offsets'), (s) => {
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { monotonic: { secs: 7 * day, nanosecs: 0 }, boottime: { secs: 365 * day, nanosecs: 0 } };
    });
    const after = hostUptime();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [uptime, ...offsets] = lines(r.stdout);
    const inside = Number(uptime.split(' ')[0]);
    // /proc/uptime follows CLOCK_BOOTTIME: the host's plus one year
    expect(inside).toBeGreaterThanOrEqual(before + 365 * day);
    expect(inside).toBeLessThanOrEqual(after + 365 * day + 1);
    expect(offsets.map((l) => l.trim().split(/\s+/))).toEqual([
      ['monotonic', String(7 * day), '0'],
      ['boottime', String(365 * day), '0'],
    ]);
  });

  it('joining: a second container shares the network and uts namespaces of the first by path', () => {
    const firstId = scope.id('ns-owner');
    const first = scope.bundle(sh('exec sleep 1000'), (s) => {
      s.hostname = 'shared-host';
    });
    const c1 = ocirtToFiles(scope.root, ['run', '-d', '--bundle', first.dir, firstId], { dir: first.dir });
    expect(c1.stderr).toBe('');
    expect(c1.status).toBe(0);
    const pid1 = stateOf(scope.root, firstId).pid;

    const r = scope.run(sh('hostname; readlink /proc/self/ns/net; readlink /proc/self/ns/uts; readlink /proc/self/ns/ipc'), (s) => {
      delete s.hostname;
      s.linux!.namespaces = s.linux!.namespaces!.map((n) =>
        n.type === 'network' || n.type === 'uts' ? { type: n.type, path: `/proc/${pid1}/ns/${NS_FILE[n.type]}` } : n,
      );
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual([
      'shared-host',
      fs.readlinkSync(`/proc/${pid1}/ns/net`),
      fs.readlinkSync(`/proc/${pid1}/ns/uts`),
      // ipc was created anew, not joined
      expect.not.stringMatching(new RegExp(`^${fs.readlinkSync(`/proc/${pid1}/ns/ipc`).replace(/[[\]]/g, '\\$&')}$`)),
    ]);

    expect(scope.ocirt(['kill', firstId, 'KILL']).status).toBe(0);
    expect(waitForStatus(scope.root, firstId, 'stopped')).toBe('stopped');
    expect(scope.ocirt(['delete', firstId]).status).toBe(0);
  });

  describe('user: joining another container\'s user namespace by path, with no mappings in the config', () => {
    /** uid 0 is host 100000, gid 0 host 200000, as in runc's userns tests. */
    const MAPS = { uid: '0 100000 65536', gid: '0 200000 65536' };

    function ownedByMappedRoot(b: { dir: string; rootfs: string }): void {
      execFileSync('chown', ['-R', '100000:200000', b.rootfs]);
      fs.chmodSync(b.dir, 0o755);
    }

    /** The first container, detached, with a user namespace of its own; its pid. */
    function startOwner(uidSize = 65536): number {
      const id = scope.id('userns-owner');
      const b = scope.bundle(['sleep', '1000'], (s) => {
        s.linux!.namespaces!.push({ type: 'user' });
        s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: uidSize }];
        s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      });
      ownedByMappedRoot(b);
      const r = ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir });
      expect(r.err()).toBe('');
      expect(r.status).toBe(0);
      return stateOf(scope.root, id).pid;
    }

    /** A second container joining the user namespace at nsPath, detached; its id. */
    function startJoiner(nsPath: string, edit?: (s: Spec) => void): { id: string; r: ReturnType<typeof ocirtToFiles> } {
      const id = scope.id('userns-joiner');
      const b = scope.bundle(['sleep', '1000'], (s) => {
        s.linux!.namespaces!.push({ type: 'user', path: nsPath });
        edit?.(s);
      });
      ownedByMappedRoot(b);
      return { id, r: ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir }) };
    }

    function expectInOwnersNamespace(id: string, ownerPid: number): void {
      const e = scope.ocirt(['exec', id, 'sh', '-c', `cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; ${PRINT_NS}`]);
      expect(e.stderr).toBe('');
      expect(e.status).toBe(0);
      const out = lines(e.stdout);
      expect(out.slice(0, 4).map((l) => l.trim().split(/\s+/).join(' '))).toEqual([MAPS.uid, MAPS.gid, '0', '0']);
      const links = nsLinks(out.slice(4).join('\n'));
      expect(links.user).toBe(fs.readlinkSync(`/proc/${ownerPid}/ns/user`));
      // the other namespaces are its own
      for (const kind of KINDS) expect(links[kind], kind).not.toBe(fs.readlinkSync(`/proc/${ownerPid}/ns/${NS_FILE[kind]}`));
    }

    itNeeds(host.userNamespaces)('by /proc/<pid>/ns/user: the container runs as the namespace\'s root, and exec sees its maps', () => {
      const ownerPid = startOwner();
      const { id, r } = startJoiner(`/proc/${ownerPid}/ns/user`);
      expect(r.err()).toBe('');
      expect(r.status).toBe(0);
      expectInOwnersNamespace(id, ownerPid);
      // what the init made in the joiner's /dev has an owner mapped in the namespace
      const e = scope.ocirt(['exec', id, 'stat', '-c', '%u:%g', '/dev/pts', '/dev/shm']);
      expect(e.stdout).toBe('0:0\n0:0\n');
    });

    itNeeds(host.userNamespaces)('by a bind mount of the namespace file', () => {
      const ownerPid = startOwner();
      const nsFile = path.join(scope.scratch('ocirt-userns-file-'), 'user');
      fs.writeFileSync(nsFile, '');
      execFileSync('mount', ['--bind', `/proc/${ownerPid}/ns/user`, nsFile]);
      try {
        const { id, r } = startJoiner(nsFile);
        expect(r.err()).toBe('');
        expect(r.status).toBe(0);
        expectInOwnersNamespace(id, ownerPid);
      } finally {
        execFileSync('umount', [nsFile]);
      }
    });

    itNeeds(host.userNamespaces)('a process.user uid the joined namespace does not map is refused with its pointer, and nothing is left', () => {
      const ownerPid = startOwner(1000);
      const { id, r } = startJoiner(`/proc/${ownerPid}/ns/user`, (s) => {
        s.process!.user = { uid: 5000, gid: 0 };
      });
      expect(r.status).not.toBe(0);
      expect(lines(r.err())).toEqual([
        `ocirt: run ${id}: /process/user/uid: uid 5000 is not mapped in the user namespace /proc/${ownerPid}/ns/user (uid_map: 0 100000 1000)`,
      ]);
      expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    });
  });

  it('an empty namespace path is no path: the namespace is created, with a warning naming the pointer; validate warns too', () => {
    const b = scope.bundle(sh('readlink /proc/self/ns/net'), (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: '' } : n));
    });
    const at = `/linux/namespaces/${b.spec.linux!.namespaces!.findIndex((n) => n.type === 'network')}/path`;
    const id = scope.id('ns-empty');
    const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    const [link, ...more] = lines(r.out());
    expect(more).toEqual([]);
    expect(link).toMatch(/^net:\[\d+\]$/);
    expect(link).not.toBe(hostNs('network'));
    expect(lines(r.err())).toEqual([expect.stringMatching(new RegExp(`^ocirt: warning: config.json: ${at}: is empty`))]);

    const v = scope.ocirt(['validate', '--bundle', b.dir]);
    expect(v.status).toBe(0);
    expect(lines(v.stdout)).toEqual([expect.stringMatching(new RegExp(`^warning: ${at}: is empty`)), `${b.dir}: valid`]);
  });

  it('joining a namespace path that does not exist fails create and leaves nothing', () => {
    const id = scope.id('ns-missing');
    const bundle = scope.bundle(sh('true'), (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: '/proc/999999999/ns/net' } : n));
    });
    const r = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('/proc/999999999/ns/net');
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
    expect(scope.leftovers()).toEqual([]);
  });
});
