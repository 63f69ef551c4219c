/**
 * linux.seccomp → the seccomp filter the init loads (PlanSeccomp), decided here the way
 * runc decides it (libcontainer/specconv and libcontainer/seccomp):
 *
 * - every name of a rule is its own rule; a name libseccomp does not know is skipped
 *   (a profile lists syscalls of newer kernels and other arches); a rule whose action
 *   equals the default action is redundant and skipped;
 * - ERRNO and TRACE without errnoRet return EPERM; SCMP_ACT_KILL is KILL_THREAD;
 * - argument conditions on distinct arguments are ANDed in one rule; when an argument
 *   has more than one condition, each condition becomes a rule of its own (ORed);
 * - flags absent: SPEC_ALLOW when the kernel has it; TSYNC is accepted and ignored;
 *   a SCMP_ACT_NOTIFY rule adds NEW_LISTENER;
 * - unless the default action lets syscalls through (ALLOW, LOG, TRACE), a stub returns
 *   ENOSYS for syscall numbers newer than any the profile names (seccomp-enosys.ts);
 * - with noNewPrivileges false the filter is loaded while the init still holds
 *   CAP_SYS_ADMIN, before the capabilities are dropped; otherwise after them.
 *
 * libseccomp itself (through the SeccompCompiler) only turns the decided rules into BPF.
 */
import type { LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArch, LinuxSeccompArg, LinuxSeccompFlag } from '../spec/types';
import type { PlanSeccomp } from './init-plan';
import { planError, pointer } from './plan-error';
import { INSTRUCTION_SIZE } from './seccomp-bpf';
import { enosysStub, type LargestSyscalls } from './seccomp-enosys';
import type { NativeSeccompFilter, NativeSeccompRule, SeccompCompiler, SeccompHostFacts } from './seccomp-host';
import {
  actionValue, ARCHES, archFromLibseccomp, ENOSYS, EPERM, ERRNO_ACTIONS, FLAG_VALUES, MAX_ERRNO, OPERATORS,
  SECCOMP_FILTER_FLAG_NEW_LISTENER,
} from './seccomp-tables';

/** The kernel's BPF_MAXINSNS. */
const MAX_INSTRUCTIONS = 4096;
/** runc turns libseccomp's binary-tree optimization on above this many rules. */
const OPTIMIZE_ABOVE = 32;
const UINT64_MAX = (1n << 64n) - 1n;

export interface SeccompContext {
  noNewPrivileges: boolean;
  host: SeccompHostFacts | undefined;
  compiler: SeccompCompiler | undefined;
}

const at = (...rest: Array<string | number>) => pointer('linux', 'seccomp', ...rest);

export function translateSeccomp(seccomp: LinuxSeccomp | undefined, ctx: SeccompContext): PlanSeccomp | null {
  if (!seccomp) return null;
  const host = ctx.host;
  if (!host?.library || !ctx.compiler) {
    throw planError(
      at(),
      'seccomp is not available: this ocirt was built without libseccomp (install libseccomp-dev and rebuild the addon with `npx node-gyp rebuild --directory addon`)',
    );
  }
  const library = host.library;
  const arches = checkArches(seccomp, library.arches, library.version);
  const flags = translateFlags(seccomp, host);

  const defaultAction = actionValue(seccomp.defaultAction, errnoOf(seccomp.defaultAction, seccomp.defaultErrnoRet, at('defaultErrnoRet')));
  const nativeTable = host.syscalls[library.nativeArch] ?? {};
  const rules: NativeSeccompRule[] = [];
  const ruleAt: string[] = [];
  let notify = false;
  let expanded = 0;
  (seccomp.syscalls ?? []).forEach((rule, i) => {
    const action = actionValue(rule.action, errnoOf(rule.action, rule.errnoRet, at('syscalls', i, 'errnoRet')));
    const conditions = translateArgs(rule.args ?? [], i);
    rule.names.forEach((name, j) => {
      expanded += 1;
      if (action === defaultAction) return;
      const nr = nativeTable[name];
      if (nr === undefined) return;
      if (rule.action === 'SCMP_ACT_NOTIFY') notify = true;
      for (const args of conditions) {
        rules.push({ nr, action, args });
        ruleAt.push(at('syscalls', i, 'names', j));
      }
    });
  });

  const waitKillable = seccomp.flags?.indexOf('SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV') ?? -1;
  if (waitKillable >= 0 && !notify) {
    throw planError(at('flags', waitKillable), 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY (the kernel refuses it without a listener)');
  }

  const filter: NativeSeccompFilter = {
    defaultAction,
    arches: arches.map((a) => ARCHES[a].libseccomp),
    optimize: expanded > OPTIMIZE_ABOVE,
    rules,
  };
  let program: Uint8Array;
  try {
    program = ctx.compiler.compile(filter);
  } catch (err) {
    const e = err as Error & { rule?: number };
    const where = e.rule !== undefined && ruleAt[e.rule] ? ruleAt[e.rule] : at();
    throw planError(where, e.message);
  }
  const stub = needsEnosysStub(seccomp) ? enosysStub(largestSyscalls(seccomp, arches, library.nativeArch, host), stubArchOrder(arches, library.nativeArch)) : Buffer.alloc(0);
  const bytes = Buffer.concat([stub, Buffer.from(program)]);
  const count = bytes.length / INSTRUCTION_SIZE;
  if (count > MAX_INSTRUCTIONS) {
    throw planError(at('syscalls'), `the filter has ${count} BPF instructions, more than the kernel's limit of ${MAX_INSTRUCTIONS}`);
  }
  return {
    filter: bytes.toString('base64'),
    flags: notify ? flags | SECCOMP_FILTER_FLAG_NEW_LISTENER : flags,
    notify,
    beforeCredentials: !ctx.noNewPrivileges,
  };
}

/**
 * The data of an ERRNO or TRACE action: errnoRet, EPERM by default (runc). An ERRNO
 * beyond MAX_ERRNO would be clamped by the kernel; TRACE's is the tracer's 16-bit
 * event message.
 */
function errnoOf(action: LinuxSeccompAction, errnoRet: number | undefined, where: string): number {
  if (!ERRNO_ACTIONS.has(action)) return 0;
  if (errnoRet === undefined) return EPERM;
  if (action === 'SCMP_ACT_TRACE' && errnoRet > 0xffff) throw planError(where, `must be at most 65535 with SCMP_ACT_TRACE, got ${errnoRet}`);
  if (action === 'SCMP_ACT_ERRNO' && errnoRet > MAX_ERRNO) throw planError(where, `must be an errno number (at most ${MAX_ERRNO}), got ${errnoRet}`);
  return errnoRet;
}

/** The profile's architectures, deduplicated; each must be one libseccomp knows. */
function checkArches(seccomp: LinuxSeccomp, known: readonly string[], version: string): LinuxSeccompArch[] {
  const out: LinuxSeccompArch[] = [];
  (seccomp.architectures ?? []).forEach((arch, i) => {
    const info = ARCHES[arch];
    if (!info) throw planError(at('architectures', i), `unknown architecture ${JSON.stringify(arch)}`);
    if (!known.includes(info.libseccomp)) {
      throw planError(at('architectures', i), `${arch} is not supported by libseccomp ${version} on this host`);
    }
    if (!out.includes(arch)) out.push(arch);
  });
  return out;
}

function translateFlags(seccomp: LinuxSeccomp, host: SeccompHostFacts): number {
  if (seccomp.flags === undefined) {
    return host.kernelFlags.SECCOMP_FILTER_FLAG_SPEC_ALLOW ? FLAG_VALUES.SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0;
  }
  let flags = 0;
  seccomp.flags.forEach((flag: LinuxSeccompFlag, i) => {
    if (!(flag in FLAG_VALUES)) throw planError(at('flags', i), `unknown seccomp flag ${JSON.stringify(flag)}`);
    if (!host.kernelFlags[flag]) throw planError(at('flags', i), `${flag} is not supported by this kernel`);
    flags |= FLAG_VALUES[flag];
  });
  return flags;
}

type Condition = NativeSeccompRule['args'][number];

/** The condition sets of a rule: one ANDed set, or one set per condition (runc's OR fallback). */
function translateArgs(args: readonly LinuxSeccompArg[], rule: number): Condition[][] {
  const seen = new Set<number>();
  let repeated = false;
  const conditions = args.map((arg, k) => {
    if (seen.has(arg.index)) repeated = true;
    seen.add(arg.index);
    const op = OPERATORS[arg.op];
    if (op === undefined) throw planError(at('syscalls', rule, 'args', k, 'op'), `unknown operator ${JSON.stringify(arg.op)}`);
    return {
      index: arg.index,
      op,
      value: uint64(arg.value, at('syscalls', rule, 'args', k, 'value')),
      valueTwo: uint64(arg.valueTwo ?? 0, at('syscalls', rule, 'args', k, 'valueTwo')),
    };
  });
  if (conditions.length === 0) return [[]];
  return repeated ? conditions.map((c) => [c]) : [conditions];
}

/**
 * A uint64 as a decimal string. JSON.parse has already rounded values above 2^53; the
 * largest ones (masks of all ones) arrive as 2^64 and mean 2^64 - 1.
 */
function uint64(value: number, where: string): string {
  if (!Number.isInteger(value) || value < 0) throw planError(where, `must be an unsigned 64-bit integer, got ${value}`);
  const big = BigInt(value);
  return (big > UINT64_MAX ? UINT64_MAX : big).toString();
}

function needsEnosysStub(seccomp: LinuxSeccomp): boolean {
  const a = seccomp.defaultAction;
  if (a === 'SCMP_ACT_ALLOW' || a === 'SCMP_ACT_LOG' || a === 'SCMP_ACT_TRACE') return false;
  // ERRNO(ENOSYS) by default already says "not implemented" for every unknown syscall.
  return !(a === 'SCMP_ACT_ERRNO' && seccomp.defaultErrnoRet === ENOSYS);
}

/** The native arch first, then the profile's. */
function stubArchOrder(arches: readonly LinuxSeccompArch[], nativeArch: string): LinuxSeccompArch[] {
  const native = archFromLibseccomp(nativeArch);
  return [...new Set([...(native ? [native] : []), ...arches])];
}

/** Largest syscall number any rule names (redundant rules included), per architecture. */
function largestSyscalls(seccomp: LinuxSeccomp, arches: readonly LinuxSeccompArch[], nativeArch: string, host: SeccompHostFacts): LargestSyscalls {
  const out: LargestSyscalls = {};
  for (const arch of stubArchOrder(arches, nativeArch)) {
    const table = host.syscalls[ARCHES[arch].libseccomp] ?? {};
    let max = 0;
    for (const rule of seccomp.syscalls ?? []) {
      for (const name of rule.names) {
        const nr = table[name];
        if (nr !== undefined && nr > max) max = nr;
      }
    }
    if (max > 0) out[arch] = max;
  }
  return out;
}
