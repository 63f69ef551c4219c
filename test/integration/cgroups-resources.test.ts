// linux.resources on this host's cgroups: placement (absolute, relative, default), every
// limit read back from the container's cgroup files, what the container itself sees,
// enforcement (pids, devices), and bad input refused before anything exists.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, cgroupDirsOf, expectCleanError, lines, ocirtToFiles, sh, stateOf } from '../helpers/containers';
import { cgroupMounts, describeNeeds, host, itNeeds } from '../helpers/host-capabilities';

const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
  // The parents ocirt made for these paths stay, as with runc: remove them (empty by now).
  for (const mp of new Set(cgroupMounts().values())) {
    for (const parent of ['ocirt-test-cgroups', 'ocirt-rel-test']) {
      for (const base of [mp, ...ownCgroupDirs(mp)]) {
        try {
          fs.rmdirSync(path.join(base, parent));
        } catch {
          // not there
        }
      }
    }
  }
});

/** The caller's own cgroup directories under a mount point (where relative paths go). */
function ownCgroupDirs(mp: string): string[] {
  return fs
    .readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .map((l) => /^\d+:[^:]*:(.*)$/.exec(l)?.[1])
    .filter((p): p is string => p !== undefined && p !== '/')
    .map((p) => path.join(mp, p));
}

/** Host cgroup mount points: v1 controller → mount point; "" → the v2 mount. */
const MOUNTS = cgroupMounts();

/** A file of the container's cgroup (absolute cgroupsPath) in the hierarchy of a controller. */
function cg(controller: string, cgroupsPath: string, file: string): string {
  return fs.readFileSync(path.join(MOUNTS.get(controller)!, cgroupsPath, file), 'utf8').trim();
}

/** The init's cgroup per hierarchy, from /proc/<pid>/cgroup. */
function cgroupsOf(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(l);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

function create(args: string[], edit: (s: Spec) => void, id = scope.id('cgr')) {
  const bundle = scope.bundle(args, edit);
  const r = ocirtToFiles(scope.root, ['create', '--bundle', bundle.dir, id], { dir: bundle.dir });
  return { id, bundle, r };
}

/** Absolute cgroup paths of this file's containers end with their id, so leftovers() finds stray processes. */
const absPath = (id: string) => `/ocirt-test-cgroups/${id}`;

describeNeeds(host.root, host.cgroupV1Controllers)('cgroup v1 resources', () => {
  it('create: the limits hold and the init is in its cgroup in every hierarchy when create returns', () => {
    const id = scope.id('lim');
    const p = absPath(id);
    const { r } = create(sh('exec sleep 1000'), (s) => {
      s.linux!.cgroupsPath = p;
      s.linux!.resources = {
        devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }],
        memory: { limit: 67108864, reservation: 33554432, swap: 134217728, kernelTCP: 16777216, swappiness: 20, disableOOMKiller: true },
        cpu: { shares: 512, quota: 30000, period: 60000, cpus: '0', mems: '0' },
        pids: { limit: 42 },
        blockIO: { weight: 300 },
      };
    }, id);
    expect(r.status, r.stderr).toBe(0);
    const { pid } = stateOf(scope.root, id);
    const own = cgroupsOf(pid);
    for (const key of ['memory', 'cpu', 'cpuset', 'pids', 'devices', 'freezer', 'blkio', 'name=systemd', '']) {
      if (own.has(key)) expect(own.get(key), key).toBe(p);
    }
    expect(cg('memory', p, 'memory.limit_in_bytes')).toBe('67108864');
    expect(cg('memory', p, 'memory.soft_limit_in_bytes')).toBe('33554432');
    if (fs.existsSync(path.join(MOUNTS.get('memory')!, p, 'memory.memsw.limit_in_bytes'))) expect(cg('memory', p, 'memory.memsw.limit_in_bytes')).toBe('134217728');
    expect(cg('memory', p, 'memory.kmem.tcp.limit_in_bytes')).toBe('16777216');
    expect(cg('memory', p, 'memory.swappiness')).toBe('20');
    expect(cg('memory', p, 'memory.oom_control')).toMatch(/^oom_kill_disable 1$/m);
    expect(cg('cpu', p, 'cpu.shares')).toBe('512');
    expect(cg('cpu', p, 'cpu.cfs_quota_us')).toBe('30000');
    expect(cg('cpu', p, 'cpu.cfs_period_us')).toBe('60000');
    expect(cg('cpuset', p, 'cpuset.cpus')).toBe('0');
    expect(cg('pids', p, 'pids.max')).toBe('42');
    const blkio = path.join(MOUNTS.get('blkio')!, p);
    const weightFile = fs.existsSync(path.join(blkio, 'blkio.weight')) ? 'blkio.weight' : 'blkio.bfq.weight';
    expect(cg('blkio', p, weightFile)).toMatch(/(^|\s)300$/);
    // the config's device rules first, in its order, then the defaults
    expect(lines(cg('devices', p, 'devices.list') + '\n').slice(0, 3)).toEqual(['c 10:229 rwm', 'c *:* m', 'b *:* m']);

    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
    for (const c of ['memory', 'cpu', 'pids', 'devices', 'freezer']) expect(fs.existsSync(path.join(MOUNTS.get(c)!, p)), c).toBe(false);
  });

  it('what the container sees through its cgroup namespace', () => {
    const r = scope.run(sh('cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us'), (s) => {
      s.linux!.resources = { memory: { limit: 50331648 }, pids: { limit: 17 }, cpu: { quota: 25000, period: 100000 } };
    });
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['50331648', '17', '25000']);
  });

  it('relative cgroupsPath: under the caller\'s own cgroup; none: the container id', () => {
    const id = scope.id('rel');
    const { r } = create(sh('exec sleep 1000'), (s) => {
      s.linux!.cgroupsPath = `ocirt-rel-test/${id}`;
      s.linux!.resources = { pids: { limit: 9 } };
    }, id);
    expect(r.status, r.stderr).toBe(0);
    const dirs = cgroupDirsOf(`ocirt-rel-test/${id}`);
    expect(dirs.length).toBeGreaterThanOrEqual(5);
    const pidsDir = dirs.find((d) => d.startsWith(MOUNTS.get('pids')!))!;
    expect(fs.readFileSync(path.join(pidsDir, 'pids.max'), 'utf8').trim()).toBe('9');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
    expect(cgroupDirsOf(`ocirt-rel-test/${id}`)).toEqual([]);

    const id2 = scope.id('dflt');
    const c2 = create(sh('exec sleep 1000'), (s) => {
      delete s.linux!.cgroupsPath;
    }, id2);
    expect(c2.r.status, c2.r.stderr).toBe(0);
    expect(cgroupDirsOf(id2).length).toBeGreaterThanOrEqual(5);
    const own = cgroupsOf(stateOf(scope.root, id2).pid);
    expect(own.get('memory')).toMatch(new RegExp(`/${id2}$`));
  });

  it('pids.limit 0 is a real limit (runc 1.4): pids.max 1, the process itself runs but cannot fork', () => {
    const id = scope.id('pids0');
    // Shell builtins only: sh itself is the container's one process.
    const r = scope.run(sh('read max < /sys/fs/cgroup/pids/pids.max; echo $max; if (true) 2>/dev/null; then echo forked; else echo no-fork; fi'), (s) => {
      s.linux!.resources = { pids: { limit: 0 } };
    }, [], id);
    // busybox sh gives up on a fork it cannot make.
    expect(r.stdout).toBe('1\n');
    expect(r.stderr).toMatch(/can't fork/);
  });

  it('pids.max is enforced: a fork beyond it fails', () => {
    const script = sh('for i in 1 2 3 4 5 6 7 8; do sleep 60 & done; echo all forked; kill $(jobs -p)');
    const limited = scope.run(script, (s) => {
      s.linux!.resources = { pids: { limit: 4 } };
    });
    expect(limited.stderr).toMatch(/can't fork/);
    expect(limited.stdout).toBe('');
    const free = scope.run(script, (s) => {
      s.linux!.resources = { pids: { limit: 100 } };
    });
    expect(free.stdout).toBe('all forked\n');
  });

  itNeeds(host.loopDevice)('devices: a node the rules do not allow cannot be opened; an allow rule opens it', () => {
    const script = sh('if true </dev/loop-control; then echo opened; else echo refused; fi; head -c 3 /dev/zero | wc -c');
    const addNode = (s: Spec) => {
      s.linux!.devices = [{ path: '/dev/loop-control', type: 'c', major: 10, minor: 237, fileMode: 0o600 }];
    };
    const denied = scope.run(script, addNode);
    expect(lines(denied.stdout)).toEqual(['refused', '3']);
    expect(denied.stderr).toMatch(/loop-control.*(not permitted|denied)/i);
    const allowed = scope.run(script, (s) => {
      addNode(s);
      s.linux!.resources!.devices!.push({ allow: true, type: 'c', major: 10, minor: 237, access: 'rw' });
    });
    expect(lines(allowed.stdout)).toEqual(['opened', '3']);
  });

  itNeeds(host.hybridHugetlb, host.hugepages2M)('hugepage limits go to the v2 hugetlb controller of a hybrid host', () => {
    const id = scope.id('huge');
    const p = absPath(id);
    const { r } = create(sh('exec sleep 1000'), (s) => {
      s.linux!.cgroupsPath = p;
      s.linux!.resources = { hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }] };
    }, id);
    expect(r.status, r.stderr).toBe(0);
    expect(cg('', p, 'hugetlb.2MB.max')).toBe('4194304');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
    expect(fs.existsSync(path.join(MOUNTS.get('')!, p))).toBe(false);
  });

  it('kernel memory the kernel no longer limits: created, with a warning naming the field', () => {
    const id = scope.id('kmem');
    const { r } = create(sh('true'), (s) => {
      s.linux!.resources = { memory: { kernel: 67108864 } };
    }, id);
    expect(r.status, r.stderr).toBe(0);
    const limit = cgroupDirsOf(id).find((d) => d.startsWith(MOUNTS.get('memory')!))!;
    const kept = fs.readFileSync(path.join(limit, 'memory.kmem.limit_in_bytes'), 'utf8').trim();
    if (kept === '67108864') expect(r.stderr).toBe('');
    else expect(r.stderr).toMatch(/^ocirt: warning: \/linux\/resources\/memory\/kernel: ignored/);
  });
});

describeNeeds(host.root, host.cgroupV1)('bad resources: a clear error and nothing left', () => {
  const cases: Array<[string, (s: Spec) => void, string | RegExp]> = [
    ['an unknown controller in linux.resources.unified', (s) => (s.linux!.resources = { unified: { 'memry.max': '10' } }), '/linux/resources/unified/memry.max: unknown cgroup controller "memry"'],
    [
      'a unified key of a controller mounted as cgroup v1 (runc\'s "invalid configuration")',
      (s) => (s.linux!.resources = { unified: { 'memory.min': '131072' } }),
      /^ocirt: create \S+: invalid configuration: \/linux\/resources\/unified\/memory\.min: (the memory controller is mounted as cgroup v1 on this host|needs cgroup v2)/,
    ],
    ['a negative limit', (s) => (s.linux!.resources = { memory: { limit: -100 } }), '/linux/resources/memory/limit: a memory limit must be -1 (unlimited), 0 (unset) or positive, got -100'],
    ['a cpuset outside the host\'s CPUs', (s) => (s.linux!.resources = { cpu: { cpus: '0-4095' } }), /\/linux\/resources\/cpu\/cpus: CPU \d+ is not on this host \(it has [0-9,-]+\)/],
    ['a huge page size the host lacks', (s) => (s.linux!.resources = { hugepageLimits: [{ pageSize: '3MB', limit: 1 }] }), '/linux/resources/hugepageLimits/0/pageSize: "3MB" is not a huge page size of this host'],
    ['cpu shares the kernel clamps', (s) => (s.linux!.resources = { cpu: { shares: 1 } }), '/linux/resources/cpu/shares: 1 is too small: the minimum allowed cpu-shares is 2'],
  ];
  if (!MOUNTS.has('net_cls')) {
    cases.push(['a controller the host does not mount', (s) => (s.linux!.resources = { network: { classID: 7 } }), '/linux/resources/network/classID: needs the net_cls cgroup controller, which this host does not mount']);
  }
  for (const [what, edit, message] of cases) {
    it(what, () => {
      const id = scope.id('badres');
      const { r } = create(sh('true'), (s) => {
        s.linux!.cgroupsPath = absPath(id);
        edit(s);
      }, id);
      expectCleanError(r, message);
      expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
      for (const mp of new Set(MOUNTS.values())) expect(fs.existsSync(path.join(mp, absPath(id))), mp).toBe(false);
    });
  }
});
