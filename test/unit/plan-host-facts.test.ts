import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { gatherHostFacts } from '../../src/plan/host-facts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-host-facts-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('gatherHostFacts', () => {
  it('stats bind sources the way the compiler resolves them', () => {
    fs.mkdirSync(path.join(tmp, 'dir'));
    fs.writeFileSync(path.join(tmp, 'file'), '');
    fs.symlinkSync(path.join(tmp, 'dir'), path.join(tmp, 'link-to-dir'));
    fs.symlinkSync(path.join(tmp, 'nowhere'), path.join(tmp, 'dangling'));
    const spec: Spec = {
      ociVersion: '1.3.0',
      mounts: [
        { destination: '/a', type: 'bind', source: 'dir' },
        { destination: '/b', source: path.join(tmp, 'file'), options: ['rbind'] },
        { destination: '/c', type: 'bind', source: 'link-to-dir' },
        { destination: '/d', type: 'bind', source: 'dangling' },
        { destination: '/e', type: 'bind', source: 'missing' },
        { destination: '/f', type: 'tmpfs', source: 'dir' },
      ],
    };
    const layout = { version: 2 as const, mounts: [], symlinks: [] };
    const facts = gatherHostFacts(spec, tmp, layout);
    expect(facts.sourceKinds).toEqual({
      [path.join(tmp, 'dir')]: 'dir',
      [path.join(tmp, 'file')]: 'file',
      [path.join(tmp, 'link-to-dir')]: 'dir',
    });
    expect(facts.cgroup).toBe(layout);
    expect(facts.hasKcore).toBe(fs.existsSync('/proc/kcore'));
    if (fs.existsSync('/proc/sys/kernel/cap_last_cap')) expect(facts.capLastCap).toBeGreaterThanOrEqual(30);
  });
});
