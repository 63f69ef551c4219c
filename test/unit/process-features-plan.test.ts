// The translators of process and Linux features (no root): what each config field
// becomes in the plan, and the refusals with their JSON pointers.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { joinIntelRdt, removeIntelRdt } from '../../src/lifecycle/intel-rdt';
import { idMask, translateCpuAffinity } from '../../src/plan/cpu-affinity';
import { translateIntelRdt, type IntelRdtHostFacts } from '../../src/plan/intel-rdt';
import { translateIoPriority } from '../../src/plan/io-priority';
import { applyMountLabel, translateExecLabels } from '../../src/plan/lsm';
import type { LsmHostFacts } from '../../src/plan/lsm-host';
import { translateMemoryPolicy } from '../../src/plan/memory-policy';
import { translateNetDevices } from '../../src/plan/net-devices';
import { translatePersonality } from '../../src/plan/personality';
import { translateScheduler } from '../../src/plan/scheduler';
import type { PlanMount } from '../../src/plan/init-plan';
import type { LinuxNamespaceType, Process } from '../../src/spec/types';

const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
});

describe('translateScheduler', () => {
  it('policy, flags, nice, priority and deadline times', () => {
    expect(translateScheduler({ policy: 'SCHED_DEADLINE', runtime: 1e6, deadline: 1e7, period: 1e7, flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_DL_OVERRUN'] })).toEqual({
      policy: 6, flags: 5, nice: 0, priority: 0, runtime: '1000000', deadline: '10000000', period: '10000000',
    });
    expect(translateScheduler({ policy: 'SCHED_RR', priority: 50 })).toMatchObject({ policy: 2, priority: 50 });
    expect(translateScheduler(undefined)).toBeUndefined();
  });

  it('every policy and flag has the kernel\'s number', () => {
    const policies = ['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_ISO', 'SCHED_IDLE', 'SCHED_DEADLINE'] as const;
    expect(policies.map((policy) => translateScheduler({ policy })!.policy)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const flags = ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_RECLAIM', 'SCHED_FLAG_DL_OVERRUN', 'SCHED_FLAG_KEEP_POLICY', 'SCHED_FLAG_KEEP_PARAMS', 'SCHED_FLAG_UTIL_CLAMP_MIN', 'SCHED_FLAG_UTIL_CLAMP_MAX'] as const;
    expect(translateScheduler({ policy: 'SCHED_OTHER', flags: [...flags] })!.flags).toBe(0x7f);
  });

  it('refuses an unknown policy or flag with its pointer', () => {
    expect(() => translateScheduler({ policy: 'SCHED_FAST' as 'SCHED_FIFO' })).toThrow('/process/scheduler/policy: invalid scheduler policy "SCHED_FAST"');
    expect(() => translateScheduler({ policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_X' as 'SCHED_FLAG_RECLAIM'] })).toThrow('/process/scheduler/flags/0');
  });
});

describe('translateIoPriority', () => {
  it('class << 13 | level', () => {
    expect(translateIoPriority({ class: 'IOPRIO_CLASS_RT', priority: 0 })).toBe(1 << 13);
    expect(translateIoPriority({ class: 'IOPRIO_CLASS_BE', priority: 7 })).toBe((2 << 13) | 7);
    expect(translateIoPriority({ class: 'IOPRIO_CLASS_IDLE' })).toBe(3 << 13);
    expect(() => translateIoPriority({ class: 'IOPRIO_CLASS_X' as 'IOPRIO_CLASS_BE' })).toThrow('/process/ioPriority/class');
  });
});

describe('translatePersonality', () => {
  it('domain and flags', () => {
    expect(translatePersonality({ domain: 'LINUX' })).toBe(0);
    expect(translatePersonality({ domain: 'LINUX32', flags: ['ADDR_NO_RANDOMIZE', 'READ_IMPLIES_EXEC'] })).toBe(0x8 | 0x40000 | 0x400000);
  });

  it('refuses an unknown domain or flag', () => {
    expect(() => translatePersonality({ domain: 'SVR4' as 'LINUX' })).toThrow('/linux/personality/domain: unknown personality domain "SVR4" (LINUX or LINUX32)');
    expect(() => translatePersonality({ domain: 'LINUX', flags: ['toString'] })).toThrow('/linux/personality/flags/0');
  });
});

describe('translateMemoryPolicy', () => {
  it('mode with flags; node mask words and maxnode', () => {
    expect(translateMemoryPolicy({ mode: 'MPOL_INTERLEAVE', nodes: '0-2,65', flags: ['MPOL_F_STATIC_NODES'] })).toEqual({
      mode: 3 | (1 << 15), nodeMask: ['7', '2'], maxNode: 129,
    });
    expect(translateMemoryPolicy({ mode: 'MPOL_LOCAL' })).toEqual({ mode: 4, nodeMask: [], maxNode: 0 });
  });

  it('refuses a bad node list', () => {
    expect(() => translateMemoryPolicy({ mode: 'MPOL_BIND', nodes: '3-1' })).toThrow('/linux/memoryPolicy/nodes: range "3-1" is backwards');
    expect(() => translateMemoryPolicy({ mode: 'MPOL_BIND', nodes: '70000' })).toThrow('/linux/memoryPolicy/nodes: 70000 is above');
  });
});

describe('execCPUAffinity', () => {
  it('masks as 64-bit words', () => {
    expect(idMask('0-3,7', '/x')).toEqual({ words: ['143'], highest: 7 });
    expect(idMask(' 64 , ', '/x')).toEqual({ words: ['0', '1'], highest: 64 });
    expect(translateCpuAffinity({ initial: '7', final: '0-3,7' })).toEqual({ initial: ['128'], final: ['143'] });
    expect(translateCpuAffinity({ final: '' })).toBeNull();
    expect(() => translateCpuAffinity({ final: 'a' })).toThrow('/process/execCPUAffinity/final');
  });
});

describe('LSM labels', () => {
  const both: LsmHostFacts = { apparmor: { enabled: true, execAttr: '/proc/self/attr/apparmor/exec' }, selinux: { enabled: true } };
  const none: LsmHostFacts = { apparmor: { enabled: false, execAttr: '/proc/self/attr/exec' }, selinux: { enabled: false } };
  const proc = (p: Partial<Process>) => ({ cwd: '/', user: { uid: 0, gid: 0 }, ...p }) as Process;

  it('AppArmor "exec <profile>", SELinux the label', () => {
    expect(translateExecLabels(proc({ apparmorProfile: 'p', selinuxLabel: 'l' }), both)).toEqual([
      { path: '/proc/self/attr/apparmor/exec', value: 'exec p' },
      { path: '/proc/self/attr/exec', value: 'l' },
    ]);
    expect(translateExecLabels(proc({}), none)).toBeUndefined();
  });

  it('refused on a host without the module', () => {
    expect(() => translateExecLabels(proc({ apparmorProfile: 'p' }), none)).toThrow('/process/apparmorProfile: AppArmor profile "p" requested, but AppArmor is not enabled');
    expect(() => translateExecLabels(proc({ selinuxLabel: 'l' }), none)).toThrow('/process/selinuxLabel');
    expect(() => applyMountLabel([], { mountLabel: 'x' }, none)).toThrow('/linux/mountLabel');
  });

  it('the mount label is the context of the container\'s own filesystems, not of binds, proc, sysfs, mqueue, cgroup', () => {
    const m = (fstype: string, data = ''): PlanMount => ({ source: 's', destination: '/d', fstype, flags: 0, data, remountFlags: 0, propagation: [], createAs: 'dir', noSymlinks: false, readonlyAfterSetup: false });
    const out = applyMountLabel([m('tmpfs', 'mode=755'), m('devpts'), m(''), m('proc'), m('sysfs'), m('mqueue'), m('cgroup2')], { mountLabel: 'a:b:c:s0:c1,c2' }, both);
    expect(out.map((x) => x.data)).toEqual(['mode=755,context="a:b:c:s0:c1,c2"', 'context="a:b:c:s0:c1,c2"', '', '', '', '', '']);
  });
});

describe('translateNetDevices', () => {
  const netns = new Set<LinuxNamespaceType>(['network']);
  it('host name → name in the container', () => {
    expect(translateNetDevices({ netDevices: { eth1: { name: 'ceth0' }, eth2: {} } }, netns, { existing: ['eth1', 'eth2'] })).toEqual([
      { hostName: 'eth1', name: 'ceth0' },
      { hostName: 'eth2', name: 'eth2' },
    ]);
    expect(translateNetDevices(undefined, netns, undefined)).toEqual([]);
  });

  it('refuses: no network namespace, a missing device, a bad or duplicated name', () => {
    expect(() => translateNetDevices({ netDevices: { eth1: {} } }, new Set(), { existing: ['eth1'] })).toThrow('/linux/netDevices: unable to move network devices without a network namespace');
    expect(() => translateNetDevices({ netDevices: { eth1: {} } }, netns, { existing: [] })).toThrow('/linux/netDevices/eth1: the host has no network interface "eth1"');
    expect(() => translateNetDevices({ netDevices: { eth1: { name: 'a-name-far-too-long' } } }, netns, { existing: ['eth1'] })).toThrow('/linux/netDevices/eth1/name');
    expect(() => translateNetDevices({ netDevices: { eth1: { name: 'x' }, eth2: { name: 'x' } } }, netns, { existing: ['eth1', 'eth2'] })).toThrow('/linux/netDevices/eth2/name: "x" is also the name given to "eth1"');
  });
});

describe('Intel RDT', () => {
  const facts = (over: Partial<IntelRdtHostFacts> = {}): IntelRdtHostFacts => ({ mount: '/sys/fs/resctrl', l3: true, mb: true, monitoring: true, closExists: false, ...over });

  it('the group, its schemata and monitoring group; a closID group is shared, never removed', () => {
    expect(translateIntelRdt({ intelRdt: { l3CacheSchema: 'L3:0=ff', memBwSchema: 'MB:0=50', schemata: ['L2:0=f'], enableMonitoring: true } }, 'c1', facts())).toEqual({
      group: '/sys/fs/resctrl/c1', schemata: 'L3:0=ff\nMB:0=50\nL2:0=f\n', monGroup: '/sys/fs/resctrl/c1/mon_groups/c1', removeGroup: true,
    });
    expect(translateIntelRdt({ intelRdt: { closID: 'gold' } }, 'c1', facts({ closExists: true }))).toMatchObject({ group: '/sys/fs/resctrl/gold', removeGroup: false });
  });

  it('refuses what the host lacks', () => {
    expect(() => translateIntelRdt({ intelRdt: {} }, 'c1', facts({ mount: null }))).toThrow('/linux/intelRdt: Intel RDT requested, but the host has no resctrl filesystem mounted');
    expect(() => translateIntelRdt({ intelRdt: { l3CacheSchema: 'L3:0=f' } }, 'c1', facts({ l3: false }))).toThrow('/linux/intelRdt/l3CacheSchema');
    expect(() => translateIntelRdt({ intelRdt: { memBwSchema: 'MB:0=5' } }, 'c1', facts({ mb: false }))).toThrow('/linux/intelRdt/memBwSchema');
    expect(() => translateIntelRdt({ intelRdt: { enableMonitoring: true } }, 'c1', facts({ monitoring: false }))).toThrow('/linux/intelRdt/enableMonitoring');
    expect(() => translateIntelRdt({ intelRdt: { closID: 'gone' } }, 'c1', facts())).toThrow('/linux/intelRdt/closID: resctrl group "gone" does not exist');
  });

  it('joining writes schemata and tasks, and delete removes only what it created (on a stand-in tree)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-resctrl-'));
    tmp.push(root);
    // A group ocirt creates for the container: removed with it.
    const own = translateIntelRdt({ intelRdt: { l3CacheSchema: 'L3:0=f' } }, 'c9', facts({ mount: root }))!;
    const ownRecord = joinIntelRdt(own, 4242);
    expect(fs.readFileSync(path.join(own.group, 'schemata'), 'utf8')).toBe('L3:0=f\n');
    expect(fs.readFileSync(path.join(own.group, 'tasks'), 'utf8')).toBe('4242');
    expect(ownRecord.remove).toEqual([own.group]);
    // A shared group (closID, as resctrl shows it: with mon_groups): only the monitoring group goes.
    fs.mkdirSync(path.join(root, 'gold', 'mon_groups'), { recursive: true });
    const shared = translateIntelRdt({ intelRdt: { closID: 'gold', enableMonitoring: true } }, 'c9', facts({ mount: root, closExists: true }))!;
    const sharedRecord = joinIntelRdt(shared, 4343);
    expect(fs.readFileSync(path.join(shared.monGroup!, 'tasks'), 'utf8')).toBe('4343');
    expect(sharedRecord.remove).toEqual([shared.monGroup]);
    // rmdir works on these empty stand-ins only once the files are gone (resctrl has no real files).
    for (const d of [own.group, shared.monGroup!]) for (const f of fs.readdirSync(d)) fs.rmSync(path.join(d, f));
    fs.rmSync(path.join(shared.group, 'tasks'));
    removeIntelRdt(ownRecord);
    removeIntelRdt(sharedRecord);
    expect(fs.existsSync(own.group)).toBe(false);
    expect(fs.existsSync(shared.monGroup!)).toBe(false);
    expect(fs.existsSync(shared.group)).toBe(true);
  });

  it('removeIntelRdt tolerates what is already gone', () => {
    expect(() => removeIntelRdt({ remove: ['/nonexistent/ocirt/rdt'] })).not.toThrow();
    expect(() => removeIntelRdt(undefined)).not.toThrow();
  });
});
