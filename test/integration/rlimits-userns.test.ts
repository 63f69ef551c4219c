// process.rlimits of a container with a user namespace: the runtime sets them with
// prlimit(2) while the init (or an exec'd process) waits in its user namespace. Here
// limits at or below the runtime's own; raising a hard limit above it needs
// CAP_SYS_RESOURCE, which this host's bounding set may lack: the VM guest test
// (test/vm-guest/rlimits-userns.test.ts) proves that part.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, afterEach, describe, expect } from 'vitest';
import type { Rlimit, Spec } from '../../src/spec/types';
import type { TestBundle } from '../helpers/bundle';
import { TestScope, expectCleanError, lines, ocirtToFiles } from '../helpers/containers';
import { host, itNeeds } from '../helpers/host-capabilities';

const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const LIMITS = 'grep -E "^Max (open files|processes|core file size)" /proc/self/limits';

function inUserNamespace(rlimits: Rlimit[]) {
  return (s: Spec, b: TestBundle) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.process!.rlimits = rlimits;
    spawnSync('chown', ['-R', '100000:100000', b.rootfs]);
    fs.chmodSync(b.dir, 0o755);
  };
}

/** "Max open files  123  456  files" → "Max open files|123|456|files". */
const table = (text: string) => lines(text).map((l) => l.trim().replace(/\s{2,}/g, '|'));

const LOWERED: Rlimit[] = [
  { type: 'RLIMIT_NOFILE', soft: 123, hard: 456 },
  { type: 'RLIMIT_NPROC', soft: 77, hard: 88 },
  { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
];
const EXPECTED = ['Max core file size|0|0|bytes', 'Max processes|77|88|processes', 'Max open files|123|456|files'];

describe('rlimits in a user namespace', () => {
  itNeeds(host.root, host.userNamespaces)('the init and an exec\'d process get them', () => {
    const b = scope.bundle(['sleep', '1000']);
    inUserNamespace(LOWERED)(b.spec, b);
    b.save();
    const id = scope.id('rl');
    const r = ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    const pid = JSON.parse(scope.ocirt(['state', id]).stdout).pid as number;
    expect(table(fs.readFileSync(`/proc/${pid}/limits`, 'utf8')).filter((l) => EXPECTED.includes(l))).toEqual(EXPECTED);
    const e = scope.ocirt(['exec', id, 'sh', '-c', LIMITS]);
    expect(e.stderr).toBe('');
    expect(e.status).toBe(0);
    expect(table(e.stdout)).toEqual(EXPECTED);
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });

  itNeeds(host.root, host.userNamespaces)('run: the process sees them', () => {
    const r = scope.run(['sh', '-c', LIMITS], inUserNamespace(LOWERED));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(table(r.stdout)).toEqual(EXPECTED);
  });

  itNeeds(host.root, host.userNamespaces)('a limit the kernel refuses is one clean error naming the rlimit, nothing left', () => {
    // Above fs.nr_open: refused whatever the capabilities.
    const nrOpen = Number(fs.readFileSync('/proc/sys/fs/nr_open', 'utf8'));
    const id = scope.id('rlbad');
    const r = scope.run(['true'], inUserNamespace([{ type: 'RLIMIT_NOFILE', soft: 1024, hard: nrOpen + 1 }]), [], id);
    expectCleanError(r, `rlimits: prlimit RLIMIT_NOFILE soft 1024 hard ${nrOpen + 1}: EPERM`);
    expect(scope.ocirt(['state', id]).status).not.toBe(0);
    expect(scope.leftovers()).toEqual([]);
  });
});
