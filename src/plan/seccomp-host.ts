/**
 * What the seccomp translator needs to know about this build and host: the libseccomp
 * the addon was built with (null: none), the syscall numbers of the names a profile
 * uses, and the filter flags the kernel accepts. Gathered natively, only for a config
 * that has linux.seccomp; the translator itself stays a pure function of these facts.
 */
import type { LinuxSeccomp, LinuxSeccompFlag } from '../spec/types';
import { native } from '../native/binding';
import { ARCHES, FLAG_PROBES } from './seccomp-tables';

export interface SeccompLibrary {
  version: string;
  apiLevel: number;
  /** libseccomp's name of the native architecture ("x86_64"). */
  nativeArch: string;
  /** libseccomp names of the architectures it knows. */
  arches: string[];
}

export interface SeccompHostFacts {
  /** null: ocirt.node was built without libseccomp. */
  library: SeccompLibrary | null;
  /**
   * libseccomp arch name → syscall name → number (negative: a pseudo-syscall of another
   * arch); a name libseccomp does not know is absent. For the native arch and each
   * arch of the profile libseccomp knows.
   */
  syscalls: Record<string, Record<string, number>>;
  /** Spec flags the running kernel accepts. */
  kernelFlags: Partial<Record<LinuxSeccompFlag, boolean>>;
}

/** The native compiler (addon/src/napi/seccomp_compile.cc). */
export interface SeccompCompiler {
  compile(filter: NativeSeccompFilter): Uint8Array;
}

/** What libseccomp is asked to compile: every decision is already made. */
export interface NativeSeccompFilter {
  defaultAction: number;
  /** libseccomp names; the native arch is always in the filter. */
  arches: string[];
  /** libseccomp's binary-tree optimization (SCMP_FLTATR_CTL_OPTIMIZE=2), for long profiles. */
  optimize: boolean;
  rules: NativeSeccompRule[];
}

export interface NativeSeccompRule {
  nr: number;
  action: number;
  /** ANDed conditions; value/valueTwo as decimal strings (uint64). */
  args: Array<{ index: number; op: number; value: string; valueTwo: string }>;
}

export function gatherSeccompFacts(seccomp: LinuxSeccomp): SeccompHostFacts {
  const n = native();
  const library = n.seccompLibrary();
  const flagNames = Object.keys(FLAG_PROBES) as LinuxSeccompFlag[];
  const probe = n.seccompKernelSupport(flagNames.map((f) => FLAG_PROBES[f]), []);
  const kernelFlags: Partial<Record<LinuxSeccompFlag, boolean>> = {};
  flagNames.forEach((f, i) => (kernelFlags[f] = probe.flags[i]));
  const syscalls: Record<string, Record<string, number>> = {};
  if (library) {
    const names = [...new Set((seccomp.syscalls ?? []).flatMap((r) => r.names))];
    const arches = new Set([library.nativeArch]);
    for (const a of seccomp.architectures ?? []) {
      const name = ARCHES[a]?.libseccomp;
      if (name && library.arches.includes(name)) arches.add(name);
    }
    for (const arch of arches) {
      const numbers = n.seccompResolve(arch, names);
      const table: Record<string, number> = {};
      names.forEach((name, i) => {
        if (numbers[i] !== null) table[name] = numbers[i]!;
      });
      syscalls[arch] = table;
    }
  }
  return { library, syscalls, kernelFlags };
}

export function nativeSeccompCompiler(): SeccompCompiler {
  return { compile: (filter) => native().seccompCompile(filter) };
}
