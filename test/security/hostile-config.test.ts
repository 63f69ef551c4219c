// Hostile config.json: broken JSON, wrong types, deep nesting, huge arrays, negative and
// overflowing numbers, relative paths where absolute ones are required, unknown rlimit
// and capability names, overlapping id maps. Each is refused with exit 1 and one clear
// error naming the JSON pointer (no stack trace), or — for what is valid — runs; either
// way nothing is left behind: no state dir, cgroup, mount or process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { TestScope, cgroupDirsOf, hostMountsMentioning, lines, ocirtToFiles, processesInCgroupOf, sh } from '../helpers/containers';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';
import { runToFilesAsync } from '../helpers/security';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

type Edit = (s: Spec & Record<string, unknown>) => void;

/** create with config.json = `text`, or the default busybox config after `edit`. */
function create(config: string | Edit, args: string[] = sh('true')) {
  const id = scope.id('cfg');
  const b = scope.bundle(args);
  if (typeof config === 'string') fs.writeFileSync(path.join(b.dir, 'config.json'), config);
  else {
    config(b.spec as Spec & Record<string, unknown>);
    b.save();
  }
  const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir });
  return { id, bundle: b, r };
}

/** create, asynchronously (heavy inputs: the worker stays responsive); a hang is killed and reported. */
async function createAsync(edit: Edit, hangAfterMs = 90_000) {
  const id = scope.id('cfg');
  const b = scope.bundle(sh('true'));
  edit(b.spec as Spec & Record<string, unknown>);
  b.save();
  const r = await runToFilesAsync([OCIRT, '--root', scope.root, 'create', '--bundle', b.dir, id], b.dir, { timeoutMs: hangAfterMs });
  expect(r.timedOut, `create hung (killed after ${hangAfterMs / 1000} s)`).toBe(false);
  return { id, bundle: b, r: { ...r, out: () => '' } };
}

function expectNothingLeft(id: string, bundleDir: string): void {
  expect(fs.existsSync(path.join(scope.root, id)), 'state dir').toBe(false);
  expect(cgroupDirsOf(id), 'cgroup dirs').toEqual([]);
  expect(processesInCgroupOf(id), 'processes').toEqual([]);
  expect(hostMountsMentioning(bundleDir), 'mounts').toEqual([]);
}

/**
 * Refused as the runtime must refuse hostile input: exit 1, every line an "ocirt: "
 * error (or the problems listed under "invalid bundle:"), the pointer named, no stack
 * trace or internal error, nothing left behind.
 */
function expectRefused(res: { id: string; bundle: { dir: string }; r: { status: number | null; signal: NodeJS.Signals | null; stderr: string; out(): string } }, pointer: string | RegExp | null, opts: { oneLine?: boolean } = {}): void {
  const { r, id, bundle } = res;
  expect(r.signal, r.stderr).toBeNull();
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/^ocirt: /);
  expect(r.stderr, 'stack trace').not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/internal error|Maximum call stack|TypeError|RangeError/);
  if (opts.oneLine ?? true) expect(lines(r.stderr), r.stderr).toHaveLength(1);
  if (typeof pointer === 'string') expect(r.stderr).toContain(pointer);
  else if (pointer) expect(r.stderr).toMatch(pointer);
  expect(r.out()).toBe('');
  expectNothingLeft(id, bundle.dir);
}

/** Valid input: created, then deleted cleanly. */
function expectCreatedThenDelete(res: Parameters<typeof expectRefused>[0]): void {
  const { r, id, bundle } = res;
  expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('ocirt: warning: '))).toEqual([]);
  expect(r.status).toBe(0);
  const d = scope.ocirt(['delete', '--force', id]);
  expect(d.stderr).toBe('');
  expect(d.status).toBe(0);
  expectNothingLeft(id, bundle.dir);
}

/** Either outcome is acceptable for some limits (kernel-dependent), but only cleanly. */
function expectCleanEitherWay(res: Parameters<typeof expectRefused>[0], pointer?: RegExp): void {
  if (res.r.status === 0) expectCreatedThenDelete(res);
  else expectRefused(res, pointer ?? null, { oneLine: false });
}

const spec = () => scope.bundle(sh('true')).spec;

describe.skipIf(!isRoot)('config.json that is not JSON (needs root)', () => {
  const texts: Array<[string, string]> = [
    ['empty file', ''],
    ['truncated', '{"ociVersion": "1.0.2", "process": {'],
    ['trailing comma', '{"ociVersion": "1.0.2",}'],
    ['single quotes', "{'ociVersion': '1.0.2'}"],
    ['binary garbage', '\u0000\u0001\u00ff\ufffe{'],
    ['a UTF-16 byte order mark', '\ufeff{"ociVersion": "1.0.2"}'],
    ['JSON null', 'null'],
    ['a JSON array', '[]'],
    ['a JSON number', '42'],
    ['a JSON string', '"config"'],
    ['NaN', '{"ociVersion": NaN}'],
    ['a comment', '{"ociVersion": "1.0.2" /* comment */}'],
  ];
  for (const [what, text] of texts) {
    it(`${what}: exit 1, one line naming config.json`, () => {
      const res = create(text);
      expectRefused(res, 'config.json');
    });
  }

  it('10 MB of garbage: refused, one line', () => {
    const res = create('{"a":'.padEnd(10 * 1024 * 1024, 'x'));
    expectRefused(res, 'config.json');
  });
});

describe.skipIf(!isRoot)('deeply nested JSON (needs root)', () => {
  // Go's decoder (runc) stops at depth 10000 with "exceeded max depth"
  for (const depth of [1000, 5000, 100_000]) {
    it(`an unknown field nested ${depth} deep (objects): a clean answer, no stack overflow`, () => {
      const s = JSON.stringify(spec());
      const deep = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const res = create(`${s.slice(0, -1)},"x-deep":${deep}}`);
      expectCleanEitherWay(res, /x-deep|depth|nest/);
    });

    it(`an unknown field nested ${depth} deep (arrays) with a 20-digit number inside: a clean answer`, () => {
      const s = JSON.stringify(spec());
      const deep = `${'['.repeat(depth)}12345678901234567890${']'.repeat(depth)}`;
      const res = create(`${s.slice(0, -1)},"x-deep":${deep}}`);
      expectCleanEitherWay(res, /x-deep|depth|nest/);
    });
  }

  it('a known field (annotations) nested deep: refused naming /annotations', () => {
    const s = JSON.stringify(spec());
    const deep = `${'{"a":'.repeat(5000)}"v"${'}'.repeat(5000)}`;
    const res = create(`${s.slice(0, -1)},"annotations":{"k":${deep}}}`);
    expectRefused(res, /\/annotations/, { oneLine: false });
  });
});

describe.skipIf(!isRoot)('wrong types (needs root)', () => {
  const cases: Array<[string, string, Edit]> = [
    ['process.args a string', '/process/args', (s) => ((s.process as unknown as Record<string, unknown>).args = 'sh -c true')],
    ['process.args with a number', '/process/args/1', (s) => ((s.process as unknown as Record<string, unknown>).args = ['sh', 5])],
    ['root a string', '/root', (s) => ((s as Record<string, unknown>).root = 'rootfs')],
    ['mounts an object', '/mounts', (s) => ((s as Record<string, unknown>).mounts = { destination: '/x' })],
    ['linux.namespaces a number', '/linux/namespaces', (s) => ((s.linux as unknown as Record<string, unknown>).namespaces = 7)],
    ['hostname a number', '/hostname', (s) => ((s as Record<string, unknown>).hostname = 5)],
    ['uid a string', '/process/user/uid', (s) => ((s.process!.user as unknown as Record<string, unknown>).uid = '0')],
    ['terminal a string', '/process/terminal', (s) => ((s.process as unknown as Record<string, unknown>).terminal = 'false')],
    ['env with an object', '/process/env/0', (s) => ((s.process as unknown as Record<string, unknown>).env = [{ PATH: '/bin' }])],
    ['sysctl values numbers', '/linux/sysctl', (s) => ((s.linux as unknown as Record<string, unknown>).sysctl = { 'net.ipv4.ip_forward': 1 })],
    ['a hook timeout a string', '/hooks/prestart/0/timeout', (s) => ((s as Record<string, unknown>).hooks = { prestart: [{ path: '/bin/true', timeout: '5' }] })],
    ['ociVersion missing', '/ociVersion', (s) => delete (s as Record<string, unknown>).ociVersion],
    ['__proto__ pollution attempt', '/process/user/uid', (s) => ((s.process!.user as unknown as Record<string, unknown>).uid = { __proto__: { polluted: true } })],
  ];
  for (const [what, pointer, edit] of cases) {
    it(`${what}: exit 1 naming ${pointer}`, () => {
      expectRefused(create(edit), pointer);
    });
  }

  it('a "__proto__" key in JSON text pollutes nothing and is refused or ignored cleanly', () => {
    const s = JSON.stringify(spec());
    const res = create(`${s.slice(0, -1)},"__proto__":{"process":{"args":["sh","-c","echo polluted"]},"polluted":true}}`);
    expectCleanEitherWay(res);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe.skipIf(!isRoot)('unknown fields are allowed (needs root)', () => {
  it('at the top, in process, in linux, in a mount and in a hook: created and deleted cleanly', () => {
    const res = create((s) => {
      s['x-vendor'] = { nested: [1, 2, { deep: true }] };
      (s.process as unknown as Record<string, unknown>)['x-process-extra'] = 'yes';
      (s.linux as unknown as Record<string, unknown>)['x-linux-extra'] = 42;
      (s.mounts![0] as unknown as Record<string, unknown>)['x-mount'] = null;
      s.hooks = { prestart: [{ path: '/bin/true', ...({ 'x-hook': 1 } as object) }] };
    });
    expectCreatedThenDelete(res);
  });
});

describe.skipIf(!isRoot)('huge arrays (needs root)', () => {
  it('100 000 env entries: runs or fails cleanly', async () => {
    const res = await createAsync((s) => {
      s.process!.env = ['PATH=/bin', ...Array.from({ length: 100_000 }, (_, i) => `V${i}=${i}`)];
    });
    expectCleanEitherWay(res, /\/process\/env|E2BIG|argument list too long/);
  }, 120_000);

  it('100 000 mounts, the last one invalid: refused naming /mounts/1000NN before anything is mounted', async () => {
    const res = await createAsync((s) => {
      const tmpfs = (i: number) => ({ destination: `/m/${i}`, type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
      s.mounts = [...s.mounts!, ...Array.from({ length: 100_000 }, (_, i) => tmpfs(i)), { destination: 5 as unknown as string, type: 'tmpfs' }];
    });
    expectRefused(res, /\/mounts\/1000\d\d/, { oneLine: false });
  }, 120_000);

  it('100 000 tmpfs mounts (more than fs.mount-max allows with the others): mounted or refused cleanly', async () => {
    const res = await createAsync((s) => {
      s.mounts = [...s.mounts!, ...Array.from({ length: 100_000 }, (_, i) => ({ destination: `/m/${i}`, type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] }))];
    });
    expectCleanEitherWay(res, /\/m\/\d+|\/mounts\/\d+|ENOSPC/);
  }, 120_000);

  it('100 000 additionalGids (beyond NGROUPS_MAX): refused or fails cleanly', async () => {
    const res = await createAsync((s) => {
      s.process!.user!.additionalGids = Array.from({ length: 100_000 }, (_, i) => i + 1);
    });
    expectCleanEitherWay(res, /additionalGids|setgroups/);
  }, 120_000);

  it('100 000 maskedPaths and readonlyPaths that do not exist: runs or fails cleanly', async () => {
    const res = await createAsync((s) => {
      s.linux!.maskedPaths = Array.from({ length: 100_000 }, (_, i) => `/nope/m${i}`);
      s.linux!.readonlyPaths = Array.from({ length: 100_000 }, (_, i) => `/nope/r${i}`);
    });
    expectCleanEitherWay(res, /maskedPaths|readonlyPaths/);
  }, 120_000);

  it('100 000 args: runs or fails cleanly', async () => {
    const res = await createAsync((s) => {
      s.process!.args = ['sh', '-c', 'true', ...Array.from({ length: 100_000 }, (_, i) => `a${i}`)];
    });
    expectCleanEitherWay(res);
  }, 120_000);

  it('100 000 uid mappings in a user namespace: refused cleanly (the kernel takes 340)', async () => {
    const res = await createAsync((s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = Array.from({ length: 100_000 }, (_, i) => ({ containerID: i, hostID: 100_000 + i, size: 1 }));
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100_000, size: 65536 }];
    }, 30_000);
    expectRefused(res, /uidMappings|uid_map/, { oneLine: false });
  }, 120_000);

  it('100 000 sysctls with bad names: refused naming one', async () => {
    const res = await createAsync((s) => {
      s.linux!.sysctl = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`bogus..${i}`, '1']));
    });
    expectRefused(res, /\/linux\/sysctl\//, { oneLine: false });
  }, 120_000);
});

describe.skipIf(!isRoot)('negative and overflowing numbers (needs root)', () => {
  const raw = (mutate: (s: Spec) => void, from: string, to: string): string => {
    const s = spec();
    mutate(s);
    return JSON.stringify(s).split(from).join(to);
  };
  const cases: Array<[string, string | Edit, string | RegExp]> = [
    ['uid -1', (s) => (s.process!.user!.uid = -1), '/process/user/uid'],
    ['uid 2^32', (s) => (s.process!.user!.uid = 2 ** 32), '/process/user/uid'],
    ['gid 2^53', (s) => (s.process!.user!.gid = 2 ** 53), '/process/user/gid'],
    ['uid 1.5', (s) => (s.process!.user!.uid = 1.5), '/process/user/uid'],
    ['uid 1e400 (Infinity once parsed)', raw((s) => (s.process!.user!.uid = 424242), '424242', '1e400'), '/process/user/uid'],
    ['uid -0', raw((s) => (s.process!.user!.uid = 424242), '424242', '-0'), /\/process\/user\/uid|^$/],
    ['rlimit 2^64', raw((s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 424242, hard: 424242 }]), '424242', '18446744073709551616'), /\/process\/rlimits\/0\/(soft|hard)/],
    ['rlimit -1', (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: -1, hard: -1 }]), /\/process\/rlimits\/0\/(soft|hard)/],
    ['rlimit soft above hard', (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 10 }]), '/process/rlimits/0'],
    ['oomScoreAdj 1001', (s) => (s.process!.oomScoreAdj = 1001), '/process/oomScoreAdj'],
    ['oomScoreAdj -1001', (s) => (s.process!.oomScoreAdj = -1001), '/process/oomScoreAdj'],
    ['umask -1', (s) => (s.process!.user!.umask = -1), '/process/user/umask'],
    ['umask 2^32', (s) => (s.process!.user!.umask = 2 ** 32), '/process/user/umask'],
    ['hook timeout -1', (s) => (s.hooks = { prestart: [{ path: '/bin/true', timeout: -1 }] }), '/hooks/prestart/0/timeout'],
    ['hook timeout 0', (s) => (s.hooks = { prestart: [{ path: '/bin/true', timeout: 0 }] }), '/hooks/prestart/0/timeout'],
    ['memory limit 2^64', raw((s) => (s.linux!.resources = { memory: { limit: 424242 } }), '424242', '18446744073709551616'), '/linux/resources/memory/limit'],
    ['pids limit 1e999', raw((s) => (s.linux!.resources = { pids: { limit: 424242 } }), '424242', '1e999'), '/linux/resources/pids/limit'],
    ['cpu shares -5', (s) => (s.linux!.resources = { cpu: { shares: -5 } }), '/linux/resources/cpu/shares'],
    ['a device major -1', (s) => (s.linux!.devices = [{ path: '/dev/x', type: 'c', major: -1, minor: 0 }]), '/linux/devices/0/major'],
    // the kernel's dev_t has 12 bits of major and 20 of minor: 2^32 + 1 would become 1:1 (/dev/mem)
    ['a device minor 2^32 + 1', (s) => (s.linux!.devices = [{ path: '/dev/x', type: 'c', major: 1, minor: 2 ** 32 + 1 }]), '/linux/devices/0/minor'],
    ['a device minor 2^40', (s) => (s.linux!.devices = [{ path: '/dev/x', type: 'c', major: 1, minor: 2 ** 40 }]), '/linux/devices/0/minor'],
    ['a device major 2^32 + 1', (s) => (s.linux!.devices = [{ path: '/dev/x', type: 'c', major: 2 ** 32 + 1, minor: 3 }]), '/linux/devices/0/major'],
    ['a device fileMode 2^32', (s) => (s.linux!.devices = [{ path: '/dev/x', type: 'c', major: 1, minor: 3, fileMode: 2 ** 32 }]), '/linux/devices/0/fileMode'],
    ['a uid mapping size 0', (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 0 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }, '/linux/uidMappings/0/size'],
    ['a uid mapping beyond 2^32', (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 4294967295, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }, /\/linux\/uidMappings\/0/],
  ];
  for (const [what, config, pointer] of cases) {
    it(`${what}: refused naming ${pointer}`, () => {
      const res = create(config);
      if (pointer instanceof RegExp && pointer.test('')) expectCleanEitherWay(res);
      else expectRefused(res, pointer, { oneLine: false });
    });
  }
});

describe.skipIf(!isRoot)('relative paths where absolute ones are required (needs root)', () => {
  const cases: Array<[string, Edit, string]> = [
    ['process.cwd', (s) => (s.process!.cwd = 'tmp'), '/process/cwd'],
    ['a hook path', (s) => (s.hooks = { prestart: [{ path: 'bin/true' }] }), '/hooks/prestart/0/path'],
    ['a namespace path', (s) => (s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: 'proc/1/ns/net' } : n))), '/linux/namespaces/'],
    ['a device path', (s) => (s.linux!.devices = [{ path: 'dev/x', type: 'c', major: 1, minor: 3 }]), '/linux/devices/0/path'],
    ['a device outside /dev', (s) => (s.linux!.devices = [{ path: '/etc/x', type: 'c', major: 1, minor: 3 }]), '/linux/devices/0/path'],
    ['a masked path', (s) => (s.linux!.maskedPaths = ['proc/kcore']), '/linux/maskedPaths/0'],
    ['a readonly path', (s) => (s.linux!.readonlyPaths = ['proc/sys']), '/linux/readonlyPaths/0'],
  ];
  for (const [what, edit, pointer] of cases) {
    it(`relative ${what}: refused naming ${pointer}`, () => {
      expectRefused(create(edit), pointer);
    });
  }

  it('a relative mount destination is taken relative to / (with a warning, as runc) and stays inside', () => {
    const res = create((s) => {
      s.mounts!.push({ destination: 'relative/../../../mnt', type: 'tmpfs', source: 'tmpfs' });
    });
    expectCleanEitherWay(res, /\/mounts\/\d+/);
  });
});

describe.skipIf(!isRoot)('unknown names (needs root)', () => {
  const cases: Array<[string, Edit, string | RegExp]> = [
    ['an unknown rlimit', (s) => (s.process!.rlimits = [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }]), '/process/rlimits/0/type'],
    ['a lowercase rlimit', (s) => (s.process!.rlimits = [{ type: 'rlimit_nofile', soft: 1, hard: 1 }]), '/process/rlimits/0/type'],
    ['a duplicated rlimit', (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_NOFILE', soft: 2, hard: 2 }]), '/process/rlimits/1'],
    ['an unknown capability', (s) => s.process!.capabilities!.bounding!.push('CAP_NOT_A_THING'), '/process/capabilities/bounding/3'],
    ['a capability without prefix', (s) => s.process!.capabilities!.effective!.push('SYS_ADMIN'), '/process/capabilities/effective/3'],
    ['a capability with a control character', (s) => s.process!.capabilities!.permitted!.push('CAP_KILL\n'), '/process/capabilities/permitted/3'],
    ['an unknown namespace type', (s) => s.linux!.namespaces!.push({ type: 'bogus' as 'pid' }), '/linux/namespaces/6/type'],
    // as runc, an unknown option goes to the filesystem as data, which refuses it at mount time
    ['an unknown mount option', (s) => s.mounts!.push({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['bogusflag'] }), /\/mounts\/\d+|tmpfs on \/x/],
    ['an unknown rootfsPropagation', (s) => (s.linux!.rootfsPropagation = 'sideways' as 'rslave'), '/linux/rootfsPropagation'],
    ['an unknown device type', (s) => (s.linux!.devices = [{ path: '/dev/x', type: 'z' as 'c', major: 1, minor: 3 }]), '/linux/devices/0/type'],
  ];
  for (const [what, edit, pointer] of cases) {
    it(`${what}: refused naming ${pointer}`, () => {
      expectRefused(create(edit), pointer);
    });
  }
});

describe.skipIf(!isRoot)('id maps that overlap (needs root)', () => {
  const userns = (s: Spec) => {
    s.linux!.namespaces!.push({ type: 'user' });
  };
  const cases: Array<[string, Edit, string | RegExp]> = [
    ['overlapping container ranges of uidMappings', (s) => {
      userns(s);
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 1000 }, { containerID: 500, hostID: 300000, size: 1000 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }, /\/linux\/uidMappings\/1/],
    ['overlapping host ranges of gidMappings', (s) => {
      userns(s);
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 1000 }, { containerID: 5000, hostID: 100500, size: 1000 }];
    }, /\/linux\/gidMappings\/1/],
    ['mappings without a user namespace', (s) => {
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 1000 }];
    }, /\/linux\/uidMappings/],
  ];
  for (const [what, edit, pointer] of cases) {
    it(`${what}: refused naming ${pointer}`, () => {
      expectRefused(create(edit), pointer, { oneLine: false });
    });
  }
});
