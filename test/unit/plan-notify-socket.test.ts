import { describe, expect, it } from 'vitest';
import { compilePlan, type PlanOptions } from '../../src/plan/from-spec';
import * as F from '../../src/plan/mount-flags';
import type { Spec } from '../../src/spec/types';

const spec = (): Spec => ({
  ociVersion: '1.3.0',
  process: { user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin', 'NOTIFY_SOCKET=/config/value'], cwd: '/' },
  root: { path: 'rootfs' },
  mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
  linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] },
});

const OPTIONS: PlanOptions = {
  containerId: 'c1',
  bundle: '/bundle',
  execFifo: '/run/ocirt/c1/exec.fifo',
  noPivot: false,
  preserveFds: 0,
  host: { sourceKinds: {}, hasKcore: true, cgroup: { version: 2, mounts: [], symlinks: [] } },
};

describe('NOTIFY_SOCKET pass-through in the plan', () => {
  it('bind-mounts the notify directory read-only at /run/notify, last, and sets NOTIFY_SOCKET last', () => {
    const plan = compilePlan(spec(), { ...OPTIONS, notifySocketDir: '/run/ocirt/c1/notify' });
    const last = plan.mounts[plan.mounts.length - 1];
    expect(last).toMatchObject({ source: '/run/ocirt/c1/notify', destination: '/run/notify', createAs: 'dir' });
    expect(last.flags & F.MS_BIND).toBe(F.MS_BIND);
    expect(last.remountFlags & (F.MS_RDONLY | F.MS_NOSUID | F.MS_NOEXEC | F.MS_NODEV)).toBe(F.MS_RDONLY | F.MS_NOSUID | F.MS_NOEXEC | F.MS_NODEV);
    // runc appends it: of two NOTIFY_SOCKET entries the last one is kept.
    expect(plan.process.env).toEqual(['PATH=/bin', 'NOTIFY_SOCKET=/run/notify/notify.sock']);
  });

  it('without it the plan is the config\'s own, and the config is not changed', () => {
    const s = spec();
    const plan = compilePlan(s, OPTIONS);
    expect(plan.mounts.map((m) => m.destination)).toEqual(['/proc']);
    expect(plan.process.env).toEqual(['PATH=/bin', 'NOTIFY_SOCKET=/config/value']);
    compilePlan(s, { ...OPTIONS, notifySocketDir: '/run/ocirt/c1/notify' });
    expect(s.mounts).toHaveLength(1);
    expect(s.process!.env).toHaveLength(2);
  });
});
