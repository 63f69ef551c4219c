// Churn: 200 create/start/kill/delete cycles (4 at a time) leak nothing: no state dir,
// no cgroup, no mount under the bundles, no process of the containers, no fd of the
// calling process, no fd beyond 0-2 in any container process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestScope, cgroupDirsOf, hostMountsMentioning, processesInCgroupOf } from '../helpers/containers';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';
import { mapLimit, openFds, pollFor, processesWithMarker, runToFilesAsync } from '../helpers/security';

const scope = new TestScope();

afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const CYCLES = 200;
const PARALLEL = 4;

describe.skipIf(!isRoot)('churn (needs root)', () => {
  it(`${CYCLES} create/start/kill/delete cycles leave nothing behind`, async () => {
    const marker = `churn-marker-${process.pid}`;
    const bundles = Array.from({ length: PARALLEL }, () => scope.bundle(['sh', '-c', 'while :; do sleep 1; done', marker]));
    const fdsBefore = openFds();
    const failures: string[] = [];
    const fdCounts = new Set<string>();
    const ids = Array.from({ length: CYCLES }, () => scope.id('churn'));

    await mapLimit(ids, PARALLEL, async (id, i) => {
      const b = bundles[i % PARALLEL];
      const run = (args: string[]) => runToFilesAsync([OCIRT, '--root', scope.root, ...args], b.dir, { timeoutMs: 60_000 });
      const steps: Array<[string, string[]]> = [
        ['create', ['create', '--bundle', b.dir, id]],
        ['start', ['start', id]],
      ];
      for (const [name, args] of steps) {
        const r = await run(args);
        if (r.status !== 0 || r.stderr !== '') {
          failures.push(`${id} ${name}: ${r.status} ${r.signal ?? ''} ${r.timedOut ? 'TIMEOUT' : ''} ${r.stderr.trim()}`);
          await run(['delete', '--force', id]);
          return;
        }
      }
      // every tenth container: its running process holds only 0, 1 and 2
      if (i % 10 === 0) {
        const st = JSON.parse((await run(['state', id])).stdout) as { pid: number };
        const fds = await pollFor(() => {
          try {
            return fs.readFileSync(`/proc/${st.pid}/cmdline`, 'utf8').includes(marker) ? fs.readdirSync(`/proc/${st.pid}/fd`).sort().join(',') : undefined;
          } catch {
            return undefined;
          }
        }, 10_000);
        fdCounts.add(fds ?? 'unreadable');
      }
      for (const [name, args] of [
        ['kill', ['kill', id, 'KILL']],
        ['delete', ['delete', '--force', id]],
      ] as Array<[string, string[]]>) {
        const r = await run(args);
        if (r.status !== 0 || r.stderr !== '') failures.push(`${id} ${name}: ${r.status} ${r.signal ?? ''} ${r.stderr.trim()}`);
      }
    });

    expect(failures).toEqual([]);
    expect([...fdCounts]).toEqual(['0,1,2']);
    // nothing left: state dirs, cgroups, processes, mounts
    expect(fs.readdirSync(scope.root)).toEqual([]);
    const cgroups = ids.flatMap((id) => cgroupDirsOf(id));
    expect(cgroups).toEqual([]);
    expect(ids.flatMap((id) => processesInCgroupOf(id))).toEqual([]);
    // a killed container's processes may take a moment to be reaped by their adopter
    expect(await pollFor(() => (processesWithMarker(marker).length === 0 ? true : undefined), 10_000), `processes: ${processesWithMarker(marker).join(', ')}`).toBe(true);
    for (const b of bundles) {
      expect(hostMountsMentioning(b.dir)).toEqual([]);
      expect(fs.readdirSync(b.dir).filter((f) => !/^std(out|err)-/.test(f)).sort()).toEqual(['config.json', 'rootfs']);
    }
    expect(hostMountsMentioning(scope.root)).toEqual([]);
    // the test process itself holds no more fds than before
    expect(openFds()).toEqual(fdsBefore);
    expect(path.isAbsolute(scope.root)).toBe(true);
  }, 180_000);
});
