import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFeatures, hostFeatureFacts, type FeatureFacts } from '../../src/cli/commands/features';

const VERSION = { ocirt: '0.1.0', spec: '1.3.0' };
const ALL_ACTIONS = ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY'];

function facts(over: Partial<FeatureFacts> = {}): FeatureFacts {
  return {
    libseccomp: { version: '2.5.4', arches: ['x86', 'x86_64', 'x32', 'aarch64'] },
    seccompActions: Object.fromEntries(ALL_ACTIONS.map((a) => [a, true])),
    seccompFlags: { SECCOMP_FILTER_FLAG_TSYNC: true, SECCOMP_FILTER_FLAG_LOG: true, SECCOMP_FILTER_FLAG_SPEC_ALLOW: true, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: false },
    apparmor: false,
    selinux: false,
    resctrl: false,
    systemdBus: true,
    mountSetattr: { supported: true, nosymfollow: true },
    ...over,
  };
}

describe('ocirt features', () => {
  it('reports the systemd cgroup driver only when the addon was built with libsystemd', () => {
    expect(buildFeatures(facts(), VERSION).linux.cgroup.systemd).toBe(true);
    expect(buildFeatures(facts({ systemdBus: false }), VERSION).linux.cgroup).toMatchObject({ systemd: false, systemdUser: false });
  });

  it('describes the spec versions, hooks, namespaces, capabilities and mount options ocirt handles', () => {
    const f = buildFeatures(facts(), VERSION);
    expect(f.ociVersionMin).toBe('1.0.0');
    expect(f.ociVersionMax).toBe('1.3.0');
    expect(f.hooks).toEqual(['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
    expect(f.linux.namespaces).toEqual(['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts']);
    expect(f.linux.capabilities).toContain('CAP_CHECKPOINT_RESTORE');
    expect(f.linux.capabilities).toHaveLength(41);
    expect(f.mountOptions).toEqual(expect.arrayContaining(['ro', 'rw', 'nosuid', 'rbind', 'rprivate', 'shared', 'nosymfollow']));
    expect(f.mountOptions).toContain('tmpcopyup');
    expect(f.mountOptions).toEqual(expect.arrayContaining(['rro', 'rrw', 'rnosuid', 'ratime', 'rnosymfollow', 'rsymfollow']));
    expect(f.linux.mountExtensions.idmap.enabled).toBe(true);
    expect(f.mountOptions).toEqual(expect.arrayContaining(['idmap', 'ridmap']));
    expect(f.linux.memoryPolicy.modes).toContain('MPOL_WEIGHTED_INTERLEAVE');
    expect(f.linux.memoryPolicy.flags).toEqual(['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES']);
    expect(f.linux.netDevices.enabled).toBe(true);
  });

  it('lists the recursive mount attributes this kernel can apply: none without mount_setattr, no r[no]symfollow before 5.14', () => {
    const recursive = (f: ReturnType<typeof buildFeatures>) => f.mountOptions.filter((o) => ['rro', 'rnoexec', 'rnosymfollow', 'rsymfollow'].includes(o));
    expect(recursive(buildFeatures(facts(), VERSION))).toEqual(['rnoexec', 'rnosymfollow', 'rro', 'rsymfollow']);
    expect(recursive(buildFeatures(facts({ mountSetattr: { supported: true, nosymfollow: false } }), VERSION))).toEqual(['rnoexec', 'rro']);
    const old = buildFeatures(facts({ mountSetattr: { supported: false, nosymfollow: false } }), VERSION);
    expect(recursive(old)).toEqual([]);
    expect(old.mountOptions).toContain('tmpcopyup');
  });

  it('idmapped mounts: enabled, with the idmap and ridmap options, where the kernel has mount_setattr (5.12)', () => {
    const old = buildFeatures(facts({ mountSetattr: { supported: false, nosymfollow: false } }), VERSION);
    expect(old.linux.mountExtensions.idmap.enabled).toBe(false);
    expect(old.mountOptions).not.toContain('idmap');
    expect(old.mountOptions).not.toContain('ridmap');
  });

  it('seccomp: what libseccomp and the kernel of this host support', () => {
    const f = buildFeatures(facts({ seccompActions: { ...facts().seccompActions, SCMP_ACT_NOTIFY: false } }), VERSION);
    expect(f.linux.seccomp.enabled).toBe(true);
    expect(f.linux.seccomp.actions).not.toContain('SCMP_ACT_NOTIFY');
    expect(f.linux.seccomp.actions).toContain('SCMP_ACT_KILL_PROCESS');
    expect(f.linux.seccomp.operators).toEqual(['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE']);
    expect(f.linux.seccomp.archs).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64']);
    expect(f.linux.seccomp.knownFlags).toHaveLength(4);
    expect(f.linux.seccomp.supportedFlags).toEqual(['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW']);
    expect(f.annotations['io.github.seccomp.libseccomp.version']).toBe('2.5.4');
  });

  it('a build without libseccomp says seccomp is not enabled', () => {
    const f = buildFeatures(facts({ libseccomp: null }), VERSION);
    expect(f.linux.seccomp).toEqual({ enabled: false });
    expect(f.annotations['io.github.seccomp.libseccomp.version']).toBeUndefined();
  });

  it('LSM and resctrl support is built in; the host state is in annotations', () => {
    const f = buildFeatures(facts({ apparmor: true }), VERSION);
    expect(f.linux.apparmor.enabled).toBe(true);
    expect(f.linux.selinux.enabled).toBe(true);
    expect(f.linux.intelRdt).toEqual({ enabled: true, schemata: true, monitoring: true });
    expect(f.annotations).toMatchObject({ 'org.ocirt.host.apparmor': 'enabled', 'org.ocirt.host.selinux': 'disabled', 'org.ocirt.host.resctrl': 'absent' });
  });

  it('checkpoint/restore: done with CRIU', () => {
    expect(buildFeatures(facts(), VERSION).annotations['org.ocirt.checkpoint']).toBe('criu');
  });

  it('reads the host (the kernel here accepts every action)', () => {
    const host = hostFeatureFacts();
    expect(Object.keys(host.seccompActions)).toHaveLength(9);
    expect(typeof host.apparmor).toBe('boolean');
  });

  it('the command prints the document as JSON', () => {
    const r = spawnSync(path.resolve(__dirname, '../../bin/ocirt'), ['features'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const f = JSON.parse(r.stdout) as { ociVersionMax: string; linux: { seccomp: { enabled: boolean } } };
    expect(f.ociVersionMax).toBe('1.3.0');
    expect(typeof f.linux.seccomp.enabled).toBe('boolean');
  });
});
