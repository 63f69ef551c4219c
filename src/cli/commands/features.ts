import { addonPath, native } from '../../native/binding';
import { writeFeaturesCache } from '../features-cache';
import { gatherIntelRdtFacts } from '../../plan/intel-rdt-host';
import { gatherLsmFacts } from '../../plan/lsm-host';
import { IDMAP_MOUNT_OPTIONS } from '../../plan/idmap-mounts';
import { MPOL_FLAGS, MPOL_MODES } from '../../plan/memory-policy';
import { probeMountSetattr } from '../../plan/mount-attributes-host';
import { knownMountOptions } from '../../plan/mount-options';
import { type MountSetattrSupport, supportedRecursiveAttributes } from '../../plan/recursive-attributes';
import * as T from '../../plan/seccomp-tables';
import { CAPABILITY_NUMBERS } from '../../spec/capabilities';
import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';
import { SPEC_VERSION, VERSION } from '../registry';

export const def: CommandDef = {
  name: 'features',
  summary: 'print the features of this build and host as JSON (runtime-spec features.json)',
  args: [],
  options: [],
};

/** runtime-spec's features.json (features.md), the fields ocirt fills. */
export interface Features {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks: string[];
  mountOptions: string[];
  linux: {
    namespaces: string[];
    capabilities: string[];
    cgroup: { v1: boolean; v2: boolean; systemd: boolean; systemdUser: boolean; rdma: boolean };
    seccomp: {
      enabled: boolean;
      actions?: string[];
      operators?: string[];
      archs?: string[];
      knownFlags?: string[];
      supportedFlags?: string[];
    };
    apparmor: { enabled: boolean };
    selinux: { enabled: boolean };
    intelRdt: { enabled: boolean; schemata: boolean; monitoring: boolean };
    memoryPolicy: { modes: string[]; flags: string[] };
    mountExtensions: { idmap: { enabled: boolean } };
    netDevices: { enabled: boolean };
  };
  annotations: Record<string, string>;
  potentiallyUnsafeConfigAnnotations: string[];
}

/** What the host offers, gathered natively and from /sys (see hostFeatureFacts). */
export interface FeatureFacts {
  /** null: ocirt.node built without libseccomp. */
  libseccomp: { version: string; arches: string[] } | null;
  /** Kernel support of each SCMP_ACT_* and SECCOMP_FILTER_FLAG_* of the spec. */
  seccompActions: Record<string, boolean>;
  seccompFlags: Record<string, boolean>;
  apparmor: boolean;
  selinux: boolean;
  resctrl: boolean;
  /** ocirt.node was built with libsystemd (sd-bus): the systemd cgroup driver is compiled in. */
  systemdBus: boolean;
  /** What this kernel's mount_setattr(2) takes: the recursive mount attributes (rro...) need it. */
  mountSetattr: MountSetattrSupport;
}

/**
 * The features document. Fields that say whether support is "compiled in" (apparmor,
 * selinux, intelRdt, cgroup...) describe ocirt, as the spec defines them; what this host
 * can do shows in seccomp (libseccomp of the build, actions and flags the kernel
 * accepts, archs libseccomp knows) and in the org.ocirt.host.* annotations.
 */
export function buildFeatures(facts: FeatureFacts, version: { ocirt: string; spec: string }): Features {
  const seccompEnabled = facts.libseccomp !== null;
  const idmapOptions = facts.mountSetattr.supported ? [...IDMAP_MOUNT_OPTIONS] : [];
  const annotations: Record<string, string> = {
    'org.ocirt.version': version.ocirt,
    'org.ocirt.host.apparmor': facts.apparmor ? 'enabled' : 'disabled',
    'org.ocirt.host.selinux': facts.selinux ? 'enabled' : 'disabled',
    'org.ocirt.host.resctrl': facts.resctrl ? 'mounted' : 'absent',
    // checkpoint and restore (runc's verbs) run CRIU, found when they run (not here:
    // this text is cached by ocirt-fast, and installing CRIU would not renew it)
    'org.ocirt.checkpoint': 'criu',
  };
  if (facts.libseccomp) annotations['io.github.seccomp.libseccomp.version'] = facts.libseccomp.version;
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: version.spec,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: [...knownMountOptions(), ...supportedRecursiveAttributes(facts.mountSetattr), ...idmapOptions].sort(),
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: Object.keys(CAPABILITY_NUMBERS),
      cgroup: { v1: true, v2: true, systemd: facts.systemdBus, systemdUser: facts.systemdBus, rdma: true },
      seccomp: seccompEnabled
        ? {
            enabled: true,
            actions: Object.keys(T.ACTION_BASE).filter((a) => facts.seccompActions[a]).sort(),
            operators: Object.keys(T.OPERATORS).sort(),
            archs: (Object.keys(T.ARCHES) as Array<keyof typeof T.ARCHES>).filter((a) => facts.libseccomp!.arches.includes(T.ARCHES[a].libseccomp)).sort(),
            knownFlags: Object.keys(T.FLAG_VALUES),
            supportedFlags: Object.keys(T.FLAG_VALUES).filter((f) => facts.seccompFlags[f]),
          }
        : { enabled: false },
      apparmor: { enabled: true },
      selinux: { enabled: true },
      intelRdt: { enabled: true, schemata: true, monitoring: true },
      memoryPolicy: { modes: Object.keys(MPOL_MODES), flags: Object.keys(MPOL_FLAGS) },
      // Idmapped mounts need mount_setattr (Linux 5.12; open_tree and move_mount are older).
      mountExtensions: { idmap: { enabled: facts.mountSetattr.supported } },
      netDevices: { enabled: true },
    },
    annotations,
    potentiallyUnsafeConfigAnnotations: [],
  };
}

/** The host side of the features: the addon's libseccomp, the kernel's seccomp, LSMs, resctrl. */
export function hostFeatureFacts(): FeatureFacts {
  const n = native();
  const lib = n.seccompLibrary();
  const actions = Object.keys(T.ACTION_BASE) as Array<keyof typeof T.ACTION_BASE>;
  const flags = Object.keys(T.FLAG_PROBES) as Array<keyof typeof T.FLAG_PROBES>;
  const probe = n.seccompKernelSupport(
    flags.map((f) => T.FLAG_PROBES[f]),
    actions.map((a) => T.ACTION_BASE[a]),
  );
  const lsm = gatherLsmFacts();
  return {
    libseccomp: lib ? { version: lib.version, arches: lib.arches } : null,
    seccompActions: Object.fromEntries(actions.map((a, i) => [a, probe.actions[i]])),
    seccompFlags: Object.fromEntries(flags.map((f, i) => [f, probe.flags[i]])),
    apparmor: lsm.apparmor.enabled,
    selinux: lsm.selinux.enabled,
    resctrl: gatherIntelRdtFacts(undefined).mount !== null,
    systemdBus: (n as unknown as { systemdBusBuilt?: () => boolean }).systemdBusBuilt?.() === true,
    mountSetattr: probeMountSetattr(),
  };
}

export async function run(_p: ParsedCommand, ctx: CommandContext): Promise<number> {
  const features = buildFeatures(hostFeatureFacts(), { ocirt: VERSION, spec: SPEC_VERSION });
  const text = `${JSON.stringify(features, null, 4)}\n`;
  process.stdout.write(text);
  writeFeaturesCache(ctx.root, text, addonPath());
  return 0;
}
