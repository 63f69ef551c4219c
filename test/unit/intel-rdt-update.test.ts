import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../src/cli/args';
import { def as updateDef, intelRdtFrom } from '../../src/cli/commands/update';
import { applyIntelRdtUpdate, checkIntelRdtUpdate } from '../../src/lifecycle/intel-rdt-update';
import type { IntelRdtHostFacts } from '../../src/plan/intel-rdt';
import type { ContainerRecord } from '../../src/state/record';

const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
});

const facts = (over: Partial<IntelRdtHostFacts> = {}): IntelRdtHostFacts => ({ mount: '/sys/fs/resctrl', l3: true, mb: true, monitoring: true, closExists: false, ...over });

/** The fields of a state record the update reads. */
function record(): ContainerRecord {
  return { id: 'c7', pid: 4242 } as ContainerRecord;
}

describe('update --l3-cache-schema / --mem-bw-schema', () => {
  it('are read from the command line, with -r as with the limit flags; an empty value is none', () => {
    const p = (argv: string[]) => intelRdtFrom(parseCommandArgs(updateDef, argv));
    expect(p(['--l3-cache-schema', 'L3:0=ff', '--mem-bw-schema=MB:0=50', 'c1'])).toEqual({ l3CacheSchema: 'L3:0=ff', memBwSchema: 'MB:0=50' });
    expect(p(['-r', 'res.json', '--mem-bw-schema', 'MB:0=20', 'c1'])).toEqual({ memBwSchema: 'MB:0=20' });
    expect(p(['--l3-cache-schema', '', 'c1'])).toEqual({});
    expect(p(['--memory', '1g', 'c1'])).toEqual({});
  });

  it('are refused, naming what is missing, on a host without resctrl or without the feature', () => {
    expect(() => checkIntelRdtUpdate({ l3CacheSchema: 'L3:0=f' }, facts({ mount: null }))).toThrow(
      '--l3-cache-schema: Intel RDT/CAT: l3 cache schema is not enabled: the host has no resctrl filesystem mounted',
    );
    expect(() => checkIntelRdtUpdate({ memBwSchema: 'MB:0=5' }, facts({ mount: null }))).toThrow(
      '--mem-bw-schema: Intel RDT/MBA: memory bandwidth schema is not enabled: the host has no resctrl filesystem mounted',
    );
    expect(() => checkIntelRdtUpdate({ l3CacheSchema: 'L3:0=f' }, facts({ l3: false }))).toThrow("the host's resctrl has no L3 cache allocation (info/L3)");
    expect(() => checkIntelRdtUpdate({ memBwSchema: 'MB:0=5' }, facts({ mb: false }))).toThrow("the host's resctrl has no memory bandwidth allocation (info/MB)");
    expect(() => checkIntelRdtUpdate({ memBwSchema: 'MB:0=5\nL3:0=1' }, facts())).toThrow('--mem-bw-schema: must be one schemata line');
    expect(() => checkIntelRdtUpdate({ l3CacheSchema: 'L3:0=f', memBwSchema: 'MB:0=5' }, facts())).not.toThrow();
  });

  it('write the schemata of the container\'s group; one without a group gets <resctrl>/<id>, joined by its init and recorded for delete (on a stand-in tree)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-resctrl-'));
    tmp.push(root);
    const fresh = record();
    expect(applyIntelRdtUpdate(fresh, { l3CacheSchema: 'L3:0=f' }, facts({ mount: root }))).toBe(true);
    const group = path.join(root, 'c7');
    expect(fresh.intelRdt).toEqual({ remove: [group], group });
    expect(fs.readFileSync(path.join(group, 'tasks'), 'utf8')).toBe('4242');
    expect(fs.readFileSync(path.join(group, 'schemata'), 'utf8')).toBe('L3:0=f\n');

    const shared = path.join(root, 'gold');
    fs.mkdirSync(shared);
    const inGroup = { ...record(), intelRdt: { remove: [], group: shared } } as ContainerRecord;
    expect(applyIntelRdtUpdate(inGroup, { l3CacheSchema: 'L3:0=3', memBwSchema: 'MB:0=40' }, facts({ mount: root }))).toBe(false);
    expect(fs.readFileSync(path.join(shared, 'schemata'), 'utf8')).toBe('L3:0=3\nMB:0=40\n');
    expect(fs.existsSync(path.join(shared, 'tasks'))).toBe(false);
  });
});
