// Process and Linux features beyond credentials: personality, scheduler, I/O priority,
// memory policy, oomScoreAdj, network devices, time offsets, and the ones this host
// cannot honour (AppArmor, SELinux, Intel RDT), which must fail clearly.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { expectCleanError, lines, ocirtToFiles, sh, TestScope } from '../helpers/containers';
import { installSysprobe, NR } from '../helpers/seccomp-tools';
import { describeNeeds, hasBoundingCapability, host, itNeeds } from '../helpers/host-capabilities';

const scope = new TestScope();
const hostLinks: string[] = [];
afterEach(() => {
  scope.reset();
  for (const l of hostLinks.splice(0)) spawnSync('ip', ['link', 'del', l], { stdio: 'ignore' });
});
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

/** Fields of /proc/self/stat after the command name: index 0 is field 3 (state). */
const STAT_FIELDS = "sed 's/.*) //' /proc/self/stat";
/** policy (field 41), rt_priority (40) and nice (19) of the shell itself. */
const SCHED_OF_SHELL = "set -- $(sed 's/.*) //' /proc/$$/stat); echo policy=${39} rtprio=${38} nice=${17}";
/** CAP_SYS_RESOURCE in this process's bounding set (needed to lower oom_score_adj below 0). */
const canLowerOomScore = hasBoundingCapability(24);

function refuse(edit: (s: Spec) => void, text: string | RegExp): void {
  const id = scope.id('bad');
  const b = scope.bundle(['true'], edit);
  const r = scope.ocirt(['create', '--bundle', b.dir, id]);
  expectCleanError(r, text);
  expect(scope.ocirt(['state', id]).status).not.toBe(0);
}

describeNeeds(host.root, host.staticCc)('process features', () => {
  describe('personality', () => {
    itNeeds(host.x86_64)('LINUX32 makes uname report a 32-bit machine; flags are applied', () => {
      const r = scope.run(sh('uname -m; cat /proc/self/personality'), (s) => {
        s.linux!.personality = { domain: 'LINUX32', flags: ['ADDR_NO_RANDOMIZE'] };
      });
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual(['i686', '00040008']);
    });

    itNeeds(host.x86_64)('LINUX keeps the 64-bit machine', () => {
      const r = scope.run(sh('uname -m; cat /proc/self/personality'), (s) => {
        s.linux!.personality = { domain: 'LINUX' };
      });
      expect(lines(r.stdout)).toEqual(['x86_64', '00000000']);
    });

    it('an unknown domain or flag is refused with its pointer', () => {
      refuse((s) => {
        s.linux!.personality = { domain: 'LINUX64' as 'LINUX' };
      }, '/linux/personality/domain');
      refuse((s) => {
        s.linux!.personality = { domain: 'LINUX', flags: ['FAST_MODE'] };
      }, '/linux/personality/flags/0: unknown personality flag "FAST_MODE"');
    });
  });

  describe('scheduler', () => {
    it('SCHED_BATCH with a nice value', () => {
      const r = scope.run(sh(SCHED_OF_SHELL), (s) => {
        s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 7 };
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('policy=3 rtprio=0 nice=7\n');
    });

    it('SCHED_IDLE and SCHED_OTHER', () => {
      const idle = scope.run(sh(SCHED_OF_SHELL), (s) => {
        s.process!.scheduler = { policy: 'SCHED_IDLE' };
      });
      expect(idle.stdout).toBe('policy=5 rtprio=0 nice=0\n');
      const other = scope.run(sh(SCHED_OF_SHELL), (s) => {
        s.process!.scheduler = { policy: 'SCHED_OTHER', nice: -3 };
      });
      expect(other.stdout).toBe('policy=0 rtprio=0 nice=-3\n');
    });

    itNeeds(host.sysNice)('SCHED_FIFO and SCHED_RR with a priority (the cgroup given a realtime runtime)', () => {
      for (const [policy, number] of [['SCHED_FIFO', 1], ['SCHED_RR', 2]] as const) {
        const r = scope.run(sh(SCHED_OF_SHELL), (s) => {
          s.process!.scheduler = { policy, priority: 10 };
          if (fs.existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us')) {
            s.linux!.resources = { cpu: { realtimeRuntime: 10000, realtimePeriod: 1000000 } };
          }
        });
        expect(r.stderr).toBe('');
        expect(r.stdout).toBe(`policy=${number} rtprio=10 nice=0\n`);
      }
    });

    it('SCHED_DEADLINE with runtime, deadline and period', () => {
      // A deadline task cannot fork: the probe is the container's process itself.
      const r = scope.run(['/sysprobe', 'sched_getattr'], (s, b) => {
        installSysprobe(b.rootfs);
        s.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1_000_000, deadline: 10_000_000, period: 10_000_000 };
      });
      // The kernel refuses SCHED_DEADLINE for a task whose cpuset does not span a root
      // domain (EBUSY/EPERM on some hosts); then the error must name the call.
      if (r.status !== 0) {
        expect(r.stderr).toMatch(/sched_setattr/);
        return;
      }
      expect(r.stdout).toBe('policy=6 flags=0 nice=0 priority=0 runtime=1000000 deadline=10000000 period=10000000\n');
    });

    it('scheduler flags are set; with SCHED_FLAG_RESET_ON_FORK children do not inherit a negative nice', () => {
      const r = scope.run(['/sysprobe', 'sched_getattr'], (s, b) => {
        installSysprobe(b.rootfs);
        s.process!.scheduler = { policy: 'SCHED_OTHER', nice: -5, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^policy=0 flags=1 nice=-5 /);
      const child = "sh -c 'sed \"s/.*) //\" /proc/self/stat' | awk '{print \"child nice=\" $17}'";
      const reset = scope.run(sh(child), (s) => {
        s.process!.scheduler = { policy: 'SCHED_OTHER', nice: -5, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
      });
      expect(reset.stdout).toBe('child nice=0\n');
      const inherit = scope.run(sh(child), (s) => {
        s.process!.scheduler = { policy: 'SCHED_OTHER', nice: -5 };
      });
      expect(inherit.stdout).toBe('child nice=-5\n');
    });

    it('SCHED_ISO, which Linux never implemented, fails with the kernel\'s answer', () => {
      refuse((s) => {
        s.process!.scheduler = { policy: 'SCHED_ISO' };
      }, /sched_setattr policy 4: EINVAL/);
    });

    it('an invalid policy, a nice value out of range, a priority without a realtime policy are refused', () => {
      refuse((s) => {
        s.process!.scheduler = { policy: 'SCHED_FAST' as 'SCHED_FIFO' };
      }, '/process/scheduler/policy');
      refuse((s) => {
        s.process!.scheduler = { policy: 'SCHED_OTHER', nice: 40 };
      }, '/process/scheduler/nice');
      refuse((s) => {
        s.process!.scheduler = { policy: 'SCHED_BATCH', priority: 3 };
      }, '/process/scheduler/priority');
    });
  });

  describe('ioPriority', () => {
    it.each([
      ['IOPRIO_CLASS_BE', 4, (2 << 13) | 4],
      ['IOPRIO_CLASS_IDLE', 0, 3 << 13],
      ['IOPRIO_CLASS_RT', 1, (1 << 13) | 1],
    ] as const)('%s level %s', (cls, level, value) => {
      const r = scope.run(['/sysprobe', String(NR.ioprio_get), '1', '0'], (s, b) => {
        installSysprobe(b.rootfs);
        s.process!.ioPriority = { class: cls, priority: level };
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`ret ${value}\n`);
    });

    it('an unknown class is refused', () => {
      refuse((s) => {
        s.process!.ioPriority = { class: 'IOPRIO_CLASS_FAST' as 'IOPRIO_CLASS_BE', priority: 0 };
      }, '/process/ioPriority/class');
    });
  });

  describeNeeds(host.numaNode0)('memoryPolicy', () => {
    it.each([
      ['MPOL_BIND', '0', 2, '0x1'],
      ['MPOL_INTERLEAVE', '0', 3, '0x1'],
      ['MPOL_PREFERRED', '0', 1, '0x1'],
      ['MPOL_LOCAL', '', 4, '0x0'],
      ['MPOL_DEFAULT', '', 0, '0x0'],
    ] as const)('%s %j', (mode, nodes, number, mask) => {
      const r = scope.run(['/sysprobe', 'get_mempolicy'], (s, b) => {
        installSysprobe(b.rootfs);
        s.linux!.memoryPolicy = { mode, nodes };
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`mode ${number} mask ${mask}\n`);
    });

    it('MPOL_F_STATIC_NODES is part of the mode', () => {
      const r = scope.run(['/sysprobe', 'get_mempolicy'], (s, b) => {
        installSysprobe(b.rootfs);
        s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] };
      });
      expect(r.stdout).toBe(`mode ${2 | (1 << 15)} mask 0x1\n`);
    });

    it('a node the host does not have fails with the kernel\'s answer; a bad list is refused', () => {
      refuse((s) => {
        s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '63' };
      }, /set_mempolicy mode 2: EINVAL/);
      refuse((s) => {
        s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0-x' };
      }, '/linux/memoryPolicy/nodes');
    });
  });

  describe('oomScoreAdj', () => {
    // Lowering below 0 needs CAP_SYS_RESOURCE, which some sandboxes withhold even from root.
    const value = canLowerOomScore ? -250 : 250;

    it('applies without linux.resources', () => {
      const r = scope.run(['cat', '/proc/self/oom_score_adj'], (s) => {
        s.process!.oomScoreAdj = value;
        delete s.linux!.resources;
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${value}\n`);
    });

    itNeeds(host.userNamespaces)('also in a user namespace (written before it is entered, as runc does)', () => {
      const r = scope.run(['cat', '/proc/self/oom_score_adj'], (s, b) => {
        s.process!.oomScoreAdj = value;
        s.linux!.namespaces!.push({ type: 'user' });
        s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        execFileSync('chown', ['-R', '100000:100000', b.rootfs]);
        fs.chmodSync(b.dir, 0o755);
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${value}\n`);
    });

    it('out of range is refused', () => {
      refuse((s) => {
        s.process!.oomScoreAdj = 1001;
      }, '/process/oomScoreAdj');
    });
  });

  describeNeeds(host.veth)('netDevices', () => {
    /** A veth pair on the host; the test moves one end into a container. */
    function vethPair(): [string, string] {
      const tag = `${process.pid % 10000}${Math.floor(Math.random() * 1000)}`;
      const a = `ocv${tag}a`;
      const b = `ocv${tag}b`;
      execFileSync('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
      hostLinks.push(a, b);
      return [a, b];
    }

    it('moves a host interface into the container, renamed, with its address, up', () => {
      const [a] = vethPair();
      execFileSync('ip', ['addr', 'add', '10.213.7.2/24', 'dev', a]);
      const r = scope.run(sh('cat /sys/class/net/eth7/operstate /sys/class/net/eth7/flags; ip -4 -o addr show dev eth7 | grep -o "inet [^ ]*"'), (s) => {
        s.linux!.netDevices = { [a]: { name: 'eth7' } };
      });
      expect(r.stderr).toBe('');
      const [operstate, flags, inet] = lines(r.stdout);
      // A veth whose peer is down reports lowerlayerdown, but IFF_UP is set.
      expect(operstate).toMatch(/up|lowerlayerdown|unknown/);
      expect(Number(flags) & 1).toBe(1);
      expect(inet).toBe('inet 10.213.7.2/24');
      // Gone from the host while the container ran (and destroyed with its namespace).
      expect(fs.existsSync(`/sys/class/net/${a}`)).toBe(false);
    });

    it('without a name, the interface keeps its host name', () => {
      const [a] = vethPair();
      const r = scope.run(['cat', `/sys/class/net/${a}/ifindex`], (s) => {
        s.linux!.netDevices = { [a]: {} };
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });

    it('refuses a missing interface, a bad name, or no network namespace, leaving nothing behind', () => {
      refuse((s) => {
        s.linux!.netDevices = { ocvmissing0: {} };
      }, '/linux/netDevices/ocvmissing0: the host has no network interface "ocvmissing0"');
      const [a] = vethPair();
      refuse((s) => {
        s.linux!.netDevices = { [a]: { name: 'bad/name' } };
      }, `/linux/netDevices/${a}/name: is not a valid interface name`);
      refuse((s) => {
        s.linux!.netDevices = { [a]: {} };
        s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
      }, '/linux/netDevices: ');
      expect(fs.existsSync(`/sys/class/net/${a}`)).toBe(true);
    });
  });

  describe('execCPUAffinity (exec only)', () => {
    const cpusAllowed = (text: string) => /^Cpus_allowed_list:\s*(.*)$/m.exec(text)?.[1];

    itNeeds(host.twoCpus)('final is the exec\'d process\'s affinity, initial the one it starts with; the init is untouched', () => {
      const b = scope.bundle(['sleep', '1000'], (s) => {
        s.process!.execCPUAffinity = { initial: '1', final: '0' };
      });
      const id = scope.id('aff');
      const r = ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir });
      expect(r.status, r.err()).toBe(0);
      const init = scope.ocirt(['exec', id, 'cat', '/proc/1/status']);
      expect(cpusAllowed(init.stdout)).toBe(cpusAllowed(fs.readFileSync('/proc/self/status', 'utf8')));
      const final = scope.ocirt(['exec', id, 'cat', '/proc/self/status']);
      expect(final.stderr).toBe('');
      expect(cpusAllowed(final.stdout)).toBe('0');
      const processFile = path.join(b.dir, 'process.json');
      fs.writeFileSync(processFile, JSON.stringify({ ...b.spec.process, args: ['cat', '/proc/self/status'], execCPUAffinity: { initial: '1' } }));
      const initialOnly = scope.ocirt(['exec', '--process', processFile, id]);
      expect(initialOnly.stderr).toBe('');
      expect(cpusAllowed(initialOnly.stdout)).toBe('1');
    });
  });

  describe('what this host may lack is refused clearly', () => {
    itNeeds(host.noAppArmor)('apparmorProfile without AppArmor', () => {
      refuse((s) => {
        s.process!.apparmorProfile = 'docker-default';
      }, '/process/apparmorProfile: AppArmor profile "docker-default" requested, but AppArmor is not enabled on this host');
    });

    itNeeds(host.noSelinux)('selinuxLabel and mountLabel without SELinux', () => {
      refuse((s) => {
        s.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
      }, '/process/selinuxLabel: SELinux label');
      refuse((s) => {
        s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0';
      }, '/linux/mountLabel: SELinux mount label');
    });

    itNeeds(host.noResctrl)('intelRdt without resctrl', () => {
      refuse((s) => {
        s.linux!.intelRdt = { closID: 'guaranteed', l3CacheSchema: 'L3:0=ff' };
      }, '/linux/intelRdt: Intel RDT requested, but the host has no resctrl filesystem mounted');
    });
  });
});
