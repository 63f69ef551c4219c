// The real libseccomp of ocirt.node: the translator's rules compiled and run through a
// BPF interpreter. Skipped when the addon was built without libseccomp.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { native } from '../../src/native/binding';
import { translateSeccomp } from '../../src/plan/seccomp';
import { gatherSeccompFacts, nativeSeccompCompiler } from '../../src/plan/seccomp-host';
import { ARCHES } from '../../src/plan/seccomp-tables';
import type { LinuxSeccomp } from '../../src/spec/types';
import { runFilter } from '../helpers/bpf-run';
import { describeNeeds, host } from '../helpers/host-capabilities';

const profile = (): LinuxSeccomp =>
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../spec-fixtures/seccomp/podman-default-amd64.json'), 'utf8')) as LinuxSeccomp;

function program(seccomp: LinuxSeccomp): Buffer {
  const plan = translateSeccomp(seccomp, { noNewPrivileges: true, host: gatherSeccompFacts(seccomp), compiler: nativeSeccompCompiler() });
  return Buffer.from(plan!.filter, 'base64');
}

const X86_64 = ARCHES.SCMP_ARCH_X86_64.audit;
const ALLOW = 0x7fff0000;
const errno = (e: number) => 0x00050000 | e;

describeNeeds(host.libseccomp, host.x86_64)('seccomp with the real libseccomp', () => {
  it('reports the library, the native arch and syscall numbers', () => {
    const lib = native().seccompLibrary()!;
    expect(lib.version).toMatch(/^2\.\d+\.\d+$/);
    expect(lib.nativeArch).toBe('x86_64');
    expect(native().seccompResolve('x86_64', ['read', 'getppid', 'no_such_call'])).toEqual([0, 110, null]);
    expect(native().seccompResolve('x86', ['getppid'])).toEqual([64]);
  });

  it("podman's default profile compiles, and its rules hold", () => {
    const p = program(profile());
    expect(p.length % 8).toBe(0);
    const call = (nr: number, args: number[] = [], arch = X86_64) => runFilter(p, { nr, arch, args });
    expect(call(110)).toBe(ALLOW); // getppid
    expect(call(163)).toBe(errno(1)); // acct
    expect(call(41, [16, 3, 9])).toBe(errno(22)); // socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT)
    expect(call(41, [2, 1, 0])).toBe(ALLOW); // socket(AF_INET, SOCK_STREAM, 0)
    expect(call(135, [0xffffffff])).toBe(ALLOW); // personality query
    expect(call(135, [4])).toBe(errno(38)); // personality not listed: the default
    expect(call(1000)).toBe(errno(38)); // newer than the profile
    expect(call(64, [], ARCHES.SCMP_ARCH_X86.audit)).toBe(ALLOW); // i386 getppid
    expect(call(110, [], 0x12345678)).toBe(0); // an arch not in the filter: KILL_THREAD
  });

  it('the ENOSYS stub answers above the largest known syscall with a non-ENOSYS default', () => {
    const seccomp = { ...profile(), defaultErrnoRet: 1 };
    const p = program(seccomp);
    expect(runFilter(p, { nr: 1000, arch: X86_64 })).toBe(errno(38));
    expect(runFilter(p, { nr: 163, arch: X86_64 })).toBe(errno(1));
  });

  it('64-bit argument comparisons', () => {
    const p = program({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 42, args: [{ index: 1, value: 0xff00000000, valueTwo: 0x1200000000, op: 'SCMP_CMP_MASKED_EQ' }] }],
    });
    expect(runFilter(p, { nr: 110, arch: X86_64, args: [0, 0x12deadbeef] })).toBe(errno(42));
    expect(runFilter(p, { nr: 110, arch: X86_64, args: [0, 0x13deadbeef] })).toBe(ALLOW);
  });

  it('a rule libseccomp refuses names its place in the config', () => {
    // An argument index beyond the syscall's 6.
    expect(() => program({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', args: [{ index: 7, value: 1, op: 'SCMP_CMP_EQ' }] }] })).toThrow(
      /^\/linux\/seccomp\/syscalls\/0\/names\/0: libseccomp: seccomp_rule_add: /,
    );
  });
});
