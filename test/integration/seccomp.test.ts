// linux.seccomp against real containers: every action, argument operators, arches,
// flags, the ENOSYS arrangement, skipped names, where the filter is loaded, and podman's
// default profile holding inside the container. SCMP_ACT_NOTIFY is in
// seccomp-notify.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg, LinuxSeccompOperator, Spec } from '../../src/spec/types';
import { expectCleanError, lines, sh, TestScope } from '../helpers/containers';
import { describeNeeds, host, itNeeds, libseccompKnows } from '../helpers/host-capabilities';
import { installSysprobe, NR } from '../helpers/seccomp-tools';

const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const PODMAN_PROFILE = path.resolve(__dirname, '../../spec-fixtures/seccomp/podman-default-amd64.json');
const podmanProfile = (): LinuxSeccomp => JSON.parse(fs.readFileSync(PODMAN_PROFILE, 'utf8')) as LinuxSeccomp;

const SIGSYS = 31;
const ENOMSG = 42;

/** The probe's answers with return values blurred ("ret N" → "ret": getppid differs for the last call, which sh execs). */
const answers = (stdout: string): string[] => lines(stdout).map((l) => (l.startsWith('ret ') ? 'ret' : l));

/** `ocirt run` of /sysprobe calls (one line of output each) under the given filter. */
function probe(seccomp: LinuxSeccomp, calls: string[][], edit?: (s: Spec) => void) {
  const script = calls.map((c) => `/sysprobe ${c.join(' ')}`).join('; ');
  return scope.run(sh(script), (s, b) => {
    installSysprobe(b.rootfs);
    s.linux!.seccomp = seccomp;
    edit?.(s);
  });
}

/** Allow everything except getppid, which gets `action` when the conditions hold. */
function onGetppid(action: LinuxSeccompAction, args?: LinuxSeccompArg[], errnoRet = ENOMSG): LinuxSeccomp {
  return { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action, errnoRet, ...(args ? { args } : {}) }] };
}

describeNeeds(host.root, host.x86_64, host.libseccomp, host.staticCc)('seccomp', () => {
  it('SCMP_ACT_ERRNO returns EPERM by default and errnoRet when given', () => {
    const r = scope.run(sh('mkdir /tmp/a; mkdir /dev/shm/b; echo done'), (s) => {
      s.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' },
          { names: ['mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 100 },
        ],
      };
      s.root!.readonly = false;
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('done\n');
    // busybox calls mkdir(2): EPERM; mkdirat is not used, its errno cannot show.
    expect(r.stderr).toContain("can't create directory '/tmp/a': Operation not permitted");
  });

  it('defaultAction SCMP_ACT_ERRNO with defaultErrnoRet answers every unlisted syscall', () => {
    const profile = podmanProfile();
    profile.defaultErrnoRet = 6; // ENXIO
    profile.syscalls = profile.syscalls!.map((r) => ({ ...r, names: r.names.filter((n) => n !== 'getppid') }));
    const r = probe(profile, [[String(NR.getppid)]]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('errno 6\n');
  });

  it.each<[LinuxSeccompAction, number]>([
    ['SCMP_ACT_KILL', SIGSYS],
    ['SCMP_ACT_KILL_THREAD', SIGSYS],
    ['SCMP_ACT_KILL_PROCESS', SIGSYS],
    ['SCMP_ACT_TRAP', SIGSYS],
  ])('%s kills the process with SIGSYS', (action, signal) => {
    const r = probe(onGetppid(action), [[String(NR.getppid)]]);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(128 + signal);
  });

  it('SCMP_ACT_TRACE without a tracer fails the syscall with ENOSYS', () => {
    const r = probe(onGetppid('SCMP_ACT_TRACE'), [[String(NR.getppid)]]);
    expect(r.stdout).toBe('errno 38\n');
  });

  it('SCMP_ACT_ALLOW and SCMP_ACT_LOG let the syscall through', () => {
    const r = probe({ defaultAction: 'SCMP_ACT_LOG', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }] }, [[String(NR.getppid)]]);
    expect(answers(r.stdout)).toEqual(['ret']);
  });

  it.each<[LinuxSeccompOperator, number, number | undefined, Array<[string, boolean]>]>([
    ['SCMP_CMP_EQ', 5, undefined, [['5', true], ['4', false], ['6', false]]],
    ['SCMP_CMP_NE', 5, undefined, [['5', false], ['4', true], ['6', true]]],
    ['SCMP_CMP_LT', 5, undefined, [['4', true], ['5', false], ['6', false]]],
    ['SCMP_CMP_LE', 5, undefined, [['4', true], ['5', true], ['6', false]]],
    ['SCMP_CMP_GT', 5, undefined, [['4', false], ['5', false], ['6', true]]],
    ['SCMP_CMP_GE', 5, undefined, [['4', false], ['5', true], ['6', true]]],
    // (arg & value) == valueTwo
    ['SCMP_CMP_MASKED_EQ', 0xf0, 0x20, [['0x20', true], ['0x2f', true], ['0x30', false], ['0x120', true]]],
    // 64-bit arguments: the high word counts.
    ['SCMP_CMP_EQ', 0x100000005, undefined, [['0x100000005', true], ['5', false]]],
    ['SCMP_CMP_MASKED_EQ', 0xff00000000, 0x1200000000, [['0x12deadbeef', true], ['0x13deadbeef', false]]],
  ])('%s %s/%s on an argument', (op, value, valueTwo, cases) => {
    const args = [{ index: 0, value, op, ...(valueTwo !== undefined ? { valueTwo } : {}) }];
    const r = probe(onGetppid('SCMP_ACT_ERRNO', args), cases.map(([a]) => [String(NR.getppid), a]));
    expect(r.stderr).toBe('');
    expect(answers(r.stdout)).toEqual(cases.map(([, hit]) => (hit ? `errno ${ENOMSG}` : 'ret')));
  });

  it('conditions on different arguments are ANDed; several on one argument are ORed', () => {
    const and = probe(onGetppid('SCMP_ACT_ERRNO', [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 2, value: 3, op: 'SCMP_CMP_EQ' }]), [
      [String(NR.getppid), '1', '0', '3'],
      [String(NR.getppid), '1', '0', '4'],
      [String(NR.getppid), '2', '0', '3'],
    ]);
    expect(answers(and.stdout)).toEqual([`errno ${ENOMSG}`, 'ret', 'ret']);
    const or = probe(onGetppid('SCMP_ACT_ERRNO', [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 7, op: 'SCMP_CMP_EQ' }]), [
      [String(NR.getppid), '1'],
      [String(NR.getppid), '7'],
      [String(NR.getppid), '2'],
    ]);
    expect(answers(or.stdout)).toEqual([`errno ${ENOMSG}`, `errno ${ENOMSG}`, 'ret']);
  });

  it('architectures: x32 syscalls follow the rules when SCMP_ARCH_X32 is listed; a foreign arch keeps the native one', () => {
    const withX32 = probe({ ...onGetppid('SCMP_ACT_ERRNO'), architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }, [
      [String(NR.getppid)],
      [String(NR.x32_getppid)],
    ]);
    expect(lines(withX32.stdout)).toEqual([`errno ${ENOMSG}`, `errno ${ENOMSG}`]);
    // A foreign arch in the list: the native one is still there.
    const foreign = probe({ ...onGetppid('SCMP_ACT_ERRNO'), architectures: ['SCMP_ARCH_AARCH64'] }, [[String(NR.getppid)]]);
    expect(foreign.stdout).toBe(`errno ${ENOMSG}\n`);
  });

  itNeeds(host.i386Syscalls)('architectures: 32-bit x86 syscalls follow the rules when SCMP_ARCH_X86 is listed, and are killed otherwise', () => {
    const withX86 = probe({ ...onGetppid('SCMP_ACT_ERRNO'), architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }, [
      ['i386', String(NR.i386_getppid)],
    ]);
    expect(lines(withX86.stdout)).toEqual([`errno ${ENOMSG}`]);
    // Only the native arch: the filter's bad-arch action kills a 32-bit syscall.
    const native = probe({ ...onGetppid('SCMP_ACT_ERRNO'), architectures: ['SCMP_ARCH_X86_64'] }, [['i386', String(NR.i386_getppid)]]);
    expect(native.stdout).toBe('');
    expect(native.status).toBe(128 + SIGSYS);
  });

  it('syscalls newer than the profile get ENOSYS, known unlisted ones the default errno', () => {
    const profile = podmanProfile();
    profile.defaultErrnoRet = 1; // EPERM, as older profiles have it
    const r = probe(profile, [[String(NR.unknown)], [String(NR.acct), '0']]);
    expect(lines(r.stdout)).toEqual(['errno 38', 'errno 1']);
  });

  it('the ENOSYS stub also works with SCMP_ACT_KILL as the default', () => {
    const profile = podmanProfile();
    profile.defaultAction = 'SCMP_ACT_KILL_PROCESS';
    delete profile.defaultErrnoRet;
    const r = probe(profile, [[String(NR.unknown)], [String(NR.getppid)]]);
    expect(lines(r.stdout)[0]).toBe('errno 38');
    expect(lines(r.stdout)[1]).toMatch(/^ret \d+$/);
  });

  it('names the host does not know are skipped, as runc does', () => {
    const r = probe(
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['no_such_syscall', 'getppid', 'another_future_call'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOMSG }] },
      [[String(NR.getppid)]],
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`errno ${ENOMSG}\n`);
  });

  it.each([
    [['SECCOMP_FILTER_FLAG_TSYNC']],
    [['SECCOMP_FILTER_FLAG_LOG']],
    [['SECCOMP_FILTER_FLAG_SPEC_ALLOW']],
    [['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW']],
    [[]],
  ])('flags %j load', (flags) => {
    const r = probe({ ...onGetppid('SCMP_ACT_ERRNO'), flags: flags as LinuxSeccomp['flags'] }, [[String(NR.getppid)]]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`errno ${ENOMSG}\n`);
  });

  itNeeds(host.seccompFilterCount)('the filter is in force in the process: one filter, mode 2', () => {
    const r = scope.run(sh('grep Seccomp /proc/self/status'), (s) => {
      s.linux!.seccomp = podmanProfile();
    });
    expect(r.stdout).toBe('Seccomp:\t2\nSeccomp_filters:\t1\n');
  });

  it('without noNewPrivileges the filter is loaded before the capabilities are dropped (an unprivileged user still gets it)', () => {
    const r = probe(onGetppid('SCMP_ACT_ERRNO'), [[String(NR.getppid)]], (s) => {
      s.process!.noNewPrivileges = false;
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.capabilities = {};
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`errno ${ENOMSG}\n`);
    const nnp = probe(onGetppid('SCMP_ACT_ERRNO'), [[String(NR.getppid)]], (s) => {
      s.process!.noNewPrivileges = true;
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.capabilities = {};
    });
    expect(nnp.stdout).toBe(`errno ${ENOMSG}\n`);
  });

  it('startContainer hooks run under the filter, as with runc', () => {
    const id = scope.id('hook');
    const b = scope.bundle(['true'], (s) => {
      s.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 0, hard: 0 }];
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL' }] };
      s.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'mkdir /dev/shm/foo'] }] };
    });
    const r = scope.ocirt(['run', '--bundle', b.dir, id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/startContainer/);
  });

  describe("podman's default profile", () => {
    it('loads, and its rules hold inside the container', () => {
      const r = probe(podmanProfile(), [
        [String(NR.getppid)],
        [String(NR.acct), '0'], // ERRNO(EPERM): needs CAP_SYS_PACCT
        [String(NR.kexec_load)], // ERRNO(EPERM)
        [String(NR.bpf), '0', '0', '0'], // ERRNO(EPERM): needs CAP_BPF or CAP_SYS_ADMIN
        [String(NR.socket), '16', '3', '9'], // AF_NETLINK, SOCK_RAW, NETLINK_AUDIT: EINVAL
        [String(NR.personality), '0xffffffff'], // query: allowed
        [String(NR.personality), '0x4'], // not in the profile: the default, ENOSYS
        [String(NR.unknown)], // newer than the profile: ENOSYS
      ]);
      expect(r.stderr).toBe('');
      const out = lines(r.stdout);
      expect(out).toHaveLength(8);
      expect(out[0]).toMatch(/^ret \d+$/);
      expect(out.slice(1, 5)).toEqual(['errno 1', 'errno 1', 'errno 1', 'errno 22']);
      expect(out[5]).toMatch(/^ret \d+$/);
      expect(out.slice(6, 8)).toEqual(['errno 38', 'errno 38']);
    });

    itNeeds(host.i386Syscalls)('lets 32-bit x86 syscalls through, as SCMP_ARCH_X86 is in its archMap for amd64', () => {
      const r = probe(podmanProfile(), [['i386', String(NR.i386_getppid)]]);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual([expect.stringMatching(/^ret \d+$/)]);
    });

    it('an ordinary shell session works under it', () => {
      const r = scope.run(sh('mkdir /tmp/d && echo hi > /tmp/d/f && cat /tmp/d/f && ls /proc/self/fd | wc -l && id -u'), (s) => {
        s.linux!.seccomp = podmanProfile();
        s.root!.readonly = false;
      });
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)[0]).toBe('hi');
      expect(r.status).toBe(0);
    });
  });

  describe('bad configs are refused before anything is created', () => {
    const refuse = (edit: (s: Spec) => void, text: string | RegExp) => {
      const id = scope.id('bad');
      const b = scope.bundle(['true'], edit);
      const r = scope.ocirt(['create', '--bundle', b.dir, id]);
      expectCleanError(r, text);
      expect(scope.ocirt(['state', id]).status).not.toBe(0);
    };

    it('an unknown action', () => {
      refuse((s) => {
        s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_EXPLODE' as LinuxSeccompAction }] };
      }, '/linux/seccomp/syscalls/0/action');
    });

    it('an unknown architecture', () => {
      refuse((s) => {
        s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_VAX' as 'SCMP_ARCH_X86'] };
      }, '/linux/seccomp/architectures/0');
    });

    const unknownToLibseccomp = () => (libseccompKnows('m68k') ? 'this libseccomp knows m68k (2.6+), the test needs an architecture it does not' : undefined);
    itNeeds(unknownToLibseccomp)('an architecture this libseccomp does not know', () => {
      refuse((s) => {
        s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_M68K'] };
      }, /\/linux\/seccomp\/architectures\/0: SCMP_ARCH_M68K is not supported by libseccomp/);
    });

    it('an unknown operator and an unknown flag', () => {
      refuse((s) => {
        s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_ALMOST' as 'SCMP_CMP_EQ' }] }] };
      }, '/linux/seccomp/syscalls/0/args/0/op');
      refuse((s) => {
        s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_FAST' as 'SECCOMP_FILTER_FLAG_LOG'] };
      }, '/linux/seccomp/flags/0');
    });

    it('an errno that is not one', () => {
      refuse((s) => {
        s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 70000 }] };
      }, '/linux/seccomp/syscalls/0/errnoRet: must be an errno number');
    });

    it('SCMP_ACT_NOTIFY on write, or without listenerPath, or WAIT_KILLABLE_RECV without a notify rule', () => {
      refuse((s) => {
        s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/tmp/x', syscalls: [{ names: ['write'], action: 'SCMP_ACT_NOTIFY' }] };
      }, '/linux/seccomp/syscalls/0/names/0: SCMP_ACT_NOTIFY cannot be used for the write syscall');
      refuse((s) => {
        s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] };
      }, '/linux/seccomp/listenerPath');
      refuse((s) => {
        s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] };
      }, '/linux/seccomp/flags/0: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY');
    });
  });
});
