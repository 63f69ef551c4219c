import { describe, expect, it } from 'vitest';
import { translateSeccomp, type SeccompContext } from '../../src/plan/seccomp';
import type { NativeSeccompFilter } from '../../src/plan/seccomp-host';
import type { LinuxSeccomp, LinuxSeccompAction } from '../../src/spec/types';
import { fakeSeccompCompiler, fakeSeccompFacts } from '../helpers/seccomp-facts';

function compile(seccomp: LinuxSeccomp, opts: { nnp?: boolean; unknown?: string[]; ctx?: Partial<SeccompContext> } = {}) {
  const calls: NativeSeccompFilter[] = [];
  const plan = translateSeccomp(seccomp, {
    noNewPrivileges: opts.nnp ?? true,
    host: fakeSeccompFacts(seccomp, { unknown: opts.unknown }),
    compiler: fakeSeccompCompiler(calls),
    ...opts.ctx,
  });
  return { plan: plan!, filter: calls[0], bytes: Buffer.from(plan!.filter, 'base64') };
}

const allowAllBut = (rule: NonNullable<LinuxSeccomp['syscalls']>[number]): LinuxSeccomp => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [rule] });

describe('translateSeccomp', () => {
  it('is null without linux.seccomp', () => {
    expect(translateSeccomp(undefined, { noNewPrivileges: true, host: undefined, compiler: undefined })).toBeNull();
  });

  it.each<[LinuxSeccompAction, number]>([
    ['SCMP_ACT_KILL', 0x00000000],
    ['SCMP_ACT_KILL_THREAD', 0x00000000],
    ['SCMP_ACT_KILL_PROCESS', 0x80000000],
    ['SCMP_ACT_TRAP', 0x00030000],
    ['SCMP_ACT_ERRNO', 0x00050001],
    ['SCMP_ACT_TRACE', 0x7ff00001],
    ['SCMP_ACT_LOG', 0x7ffc0000],
    ['SCMP_ACT_NOTIFY', 0x7fc00000],
  ])('%s is the kernel action %s (ERRNO and TRACE default to EPERM)', (action, value) => {
    const seccomp = { ...allowAllBut({ names: ['getppid'], action }), listenerPath: '/run/agent.sock' };
    expect(compile(seccomp).filter.rules).toEqual([{ nr: 1, action: value, args: [] }]);
  });

  it('errnoRet and defaultErrnoRet set the errno', () => {
    const { filter } = compile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls: [{ names: ['a'], action: 'SCMP_ACT_ERRNO', errnoRet: 100 }] });
    expect(filter.defaultAction).toBe(0x00050026);
    expect(filter.rules[0].action).toBe(0x00050064);
  });

  it('refuses an errno above MAX_ERRNO', () => {
    expect(() => compile(allowAllBut({ names: ['a'], action: 'SCMP_ACT_ERRNO', errnoRet: 4096 }))).toThrow('/linux/seccomp/syscalls/0/errnoRet: must be an errno number (at most 4095), got 4096');
    expect(() => compile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 65536 })).toThrow('/linux/seccomp/defaultErrnoRet');
  });

  it('one rule per name; unknown names and rules with the default action are skipped', () => {
    const { filter } = compile(
      { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['a', 'future', 'b'], action: 'SCMP_ACT_ALLOW' }, { names: ['c'], action: 'SCMP_ACT_ERRNO' }] },
      { unknown: ['future'] },
    );
    // a=1, b=2 (future is unknown), c has the default action ERRNO(EPERM).
    expect(filter.rules.map((r) => r.nr)).toEqual([1, 2]);
  });

  it('conditions on distinct arguments make one rule; repeated arguments make one rule each', () => {
    const and = compile(allowAllBut({ names: ['a'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 2, value: 0xf0, valueTwo: 0x20, op: 'SCMP_CMP_MASKED_EQ' }] }));
    expect(and.filter.rules).toEqual([
      { nr: 1, action: 0x00050001, args: [{ index: 0, op: 4, value: '1', valueTwo: '0' }, { index: 2, op: 7, value: '240', valueTwo: '32' }] },
    ]);
    const or = compile(allowAllBut({ names: ['a'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_LT' }, { index: 0, value: 9, op: 'SCMP_CMP_GT' }] }));
    expect(or.filter.rules).toEqual([
      { nr: 1, action: 0x00050001, args: [{ index: 0, op: 2, value: '1', valueTwo: '0' }] },
      { nr: 1, action: 0x00050001, args: [{ index: 0, op: 6, value: '9', valueTwo: '0' }] },
    ]);
  });

  it('every operator has libseccomp\'s number', () => {
    const ops = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'] as const;
    const { filter } = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: ops.map((op) => ({ names: ['a'], action: 'SCMP_ACT_ERRNO' as const, args: [{ index: 1, value: 3, op }] })) });
    expect(filter.rules.map((r) => r.args[0].op)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('64-bit values travel as decimal strings; 2^64 (how JSON.parse reads 2^64-1) is 2^64-1', () => {
    const { filter } = compile(allowAllBut({ names: ['a'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 2 ** 64, valueTwo: 2 ** 40, op: 'SCMP_CMP_MASKED_EQ' }] }));
    expect(filter.rules[0].args[0]).toMatchObject({ value: '18446744073709551615', valueTwo: '1099511627776' });
  });

  it('flags: SPEC_ALLOW when absent (if the kernel has it), TSYNC adds nothing, LOG and SPEC_ALLOW their bits', () => {
    expect(compile({ defaultAction: 'SCMP_ACT_ALLOW' }).plan.flags).toBe(4);
    expect(compile({ defaultAction: 'SCMP_ACT_ALLOW', flags: [] }).plan.flags).toBe(0);
    expect(compile({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_TSYNC'] }).plan.flags).toBe(0);
    expect(compile({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] }).plan.flags).toBe(6);
    const noSpecAllow = fakeSeccompFacts(undefined);
    noSpecAllow.kernelFlags.SECCOMP_FILTER_FLAG_SPEC_ALLOW = false;
    expect(compile({ defaultAction: 'SCMP_ACT_ALLOW' }, { ctx: { host: noSpecAllow } }).plan.flags).toBe(0);
    expect(() => compile({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_SPEC_ALLOW'] }, { ctx: { host: noSpecAllow } })).toThrow(
      '/linux/seccomp/flags/0: SECCOMP_FILTER_FLAG_SPEC_ALLOW is not supported by this kernel',
    );
  });

  it('SCMP_ACT_NOTIFY adds NEW_LISTENER; WAIT_KILLABLE_RECV needs it', () => {
    const notify = compile({ ...allowAllBut({ names: ['a'], action: 'SCMP_ACT_NOTIFY' }), listenerPath: '/x', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] });
    expect(notify.plan).toMatchObject({ flags: 8 | 32, notify: true });
    expect(() => compile({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] })).toThrow('/linux/seccomp/flags/0: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY');
  });

  it('loads before the capabilities are dropped unless noNewPrivileges', () => {
    expect(compile({ defaultAction: 'SCMP_ACT_ALLOW' }, { nnp: true }).plan.beforeCredentials).toBe(false);
    expect(compile({ defaultAction: 'SCMP_ACT_ALLOW' }, { nnp: false }).plan.beforeCredentials).toBe(true);
  });

  it('architectures go to libseccomp by its names, deduplicated; one it does not know is refused', () => {
    const { filter } = compile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86'] });
    expect(filter.arches).toEqual(['x86_64', 'x86', 'x32']);
    expect(() => compile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_M68K'] })).toThrow('/linux/seccomp/architectures/1: SCMP_ARCH_M68K is not supported by libseccomp 2.5.4 on this host');
  });

  it('turns on libseccomp\'s optimizer for more than 32 rules', () => {
    const names = Array.from({ length: 33 }, (_, i) => `s${i}`);
    expect(compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names, action: 'SCMP_ACT_ERRNO' }] }).filter.optimize).toBe(true);
    expect(compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: names.slice(1), action: 'SCMP_ACT_ERRNO' }] }).filter.optimize).toBe(false);
  });

  it('prepends the ENOSYS stub unless the default lets syscalls through or already is ENOSYS', () => {
    const rules = [{ names: ['a', 'b'], action: 'SCMP_ACT_ALLOW' as const }];
    const digest = 32;
    expect(compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ERRNO' }] }).bytes.length).toBe(digest);
    expect(compile({ defaultAction: 'SCMP_ACT_LOG', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ERRNO' }] }).bytes.length).toBe(digest);
    expect(compile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls: rules }).bytes.length).toBe(digest);
    expect(compile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: rules }).bytes.length).toBeGreaterThan(digest);
    expect(compile({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: rules }).bytes.length).toBeGreaterThan(digest);
  });

  it('without libseccomp, a config with seccomp is refused with what to install', () => {
    const host = fakeSeccompFacts(undefined);
    host.library = null;
    expect(() => compile({ defaultAction: 'SCMP_ACT_ALLOW' }, { ctx: { host } })).toThrow(
      /^\/linux\/seccomp: seccomp is not available: this ocirt was built without libseccomp \(install libseccomp-dev/,
    );
  });

  it('a rule libseccomp refuses is reported at its name', () => {
    const failing = { compile: (f: NativeSeccompFilter) => { if (f.rules.length > 1) throw Object.assign(new Error('libseccomp: seccomp_rule_add: Invalid argument'), { rule: 1 }); return Buffer.alloc(8); } };
    expect(() => compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ERRNO' }, { names: ['x', 'b'], action: 'SCMP_ACT_ERRNO' }] }, { unknown: ['x'], ctx: { compiler: failing } })).toThrow(
      '/linux/seccomp/syscalls/1/names/1: libseccomp: seccomp_rule_add: Invalid argument',
    );
  });

  it('refuses a program longer than the kernel takes', () => {
    const huge = { compile: () => Buffer.alloc(8 * 4097) };
    expect(() => compile({ defaultAction: 'SCMP_ACT_ALLOW' }, { ctx: { compiler: huge } })).toThrow('more than the kernel\'s limit of 4096');
  });
});
