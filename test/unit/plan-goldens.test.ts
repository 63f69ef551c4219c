/**
 * Golden plans: every spec-fixtures/good/<name>/config.json, and every
 * spec-fixtures/plans/inputs/<name>/config.json (configs that exercise the compiler
 * further: cgroup v1, devices, a bound /dev...), is compiled with fixed options and
 * compared with spec-fixtures/plans/<name>.plan.json. A config the compiler refuses has
 * a golden `{"error": "<message>"}`.
 *
 * Host facts default to: every bind source exists and is a directory; cgroup v2 with
 * the container's cgroup at /sys/fs/cgroup/ocirt/golden; /proc/kcore present;
 * cap_last_cap 40; AppArmor and SELinux enabled; made-up seccomp syscall numbers and a
 * digest for the compiled filter (test/helpers/seccomp-facts.ts).
 * spec-fixtures/plans/<name>.host.json, when present, is merged over
 * them (e.g. {"sourceKinds": {"/etc/hosts": "file"}}).
 *
 * Regenerate with `UPDATE_GOLDENS=1 npx vitest run test/unit/plan-goldens` (or
 * `node scripts/update-plan-goldens.mjs`), then review the diff by eye.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { withoutNulls } from '../../src/spec/normalize';
import { compilePlan, type HostFacts, type PlanOptions } from '../../src/plan/from-spec';
import { bindSourcePaths } from '../../src/plan/mounts';
import { fakeSeccompCompiler, fakeSeccompFacts } from '../helpers/seccomp-facts';

const ROOT = path.resolve(__dirname, '../..');
const PLANS = path.join(ROOT, 'spec-fixtures/plans');
const SOURCES = [path.join(ROOT, 'spec-fixtures/good'), path.join(PLANS, 'inputs')];
const UPDATE = process.env.UPDATE_GOLDENS === '1';
const BUNDLE = '/bundle';

/** [name, config.json path], sorted by name; names are unique across the sources. */
function fixtures(): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const dir of SOURCES) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      const config = path.join(dir, name, 'config.json');
      if (fs.existsSync(config)) found.push([name, config]);
    }
  }
  return found.sort((a, b) => a[0].localeCompare(b[0]));
}

function options(name: string, spec: Spec): PlanOptions {
  const sourceKinds: HostFacts['sourceKinds'] = {};
  for (const source of bindSourcePaths(spec.mounts, BUNDLE)) sourceKinds[source] = 'dir';
  let host: HostFacts = {
    sourceKinds,
    hasKcore: true,
    cgroup: { version: 2, mounts: [{ subdir: '', hostPath: '/sys/fs/cgroup/ocirt/golden', controllers: [] }], symlinks: [] },
    capLastCap: 40,
    // AppArmor and SELinux enabled, made-up syscall numbers (test/helpers/seccomp-facts.ts).
    lsm: { apparmor: { enabled: true, execAttr: '/proc/self/attr/apparmor/exec' }, selinux: { enabled: true } },
    seccomp: fakeSeccompFacts(spec.linux?.seccomp),
  };
  const overridePath = path.join(PLANS, `${name}.host.json`);
  if (fs.existsSync(overridePath)) {
    const override = JSON.parse(fs.readFileSync(overridePath, 'utf8')) as Partial<HostFacts>;
    host = { ...host, ...override, sourceKinds: { ...host.sourceKinds, ...override.sourceKinds } };
  }
  return { containerId: 'golden', bundle: BUNDLE, execFifo: '/run/ocirt/golden/exec.fifo', noPivot: false, preserveFds: 0, host, seccompCompiler: fakeSeccompCompiler() };
}

function compileFixture(name: string, configPath: string): unknown {
  const spec = withoutNulls(JSON.parse(fs.readFileSync(configPath, 'utf8'))) as Spec;
  try {
    return compilePlan(spec, options(name, spec));
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const names = fixtures();

describe('golden plans', () => {
  it('has unique fixture names', () => {
    expect(new Set(names.map(([n]) => n)).size).toBe(names.length);
  });

  it.each(names)('%s', (name, configPath) => {
    const actual = compileFixture(name, configPath);
    const goldenPath = path.join(PLANS, `${name}.plan.json`);
    if (UPDATE) {
      fs.mkdirSync(PLANS, { recursive: true });
      fs.writeFileSync(goldenPath, JSON.stringify(actual, null, 2) + '\n');
      return;
    }
    expect(fs.existsSync(goldenPath), `missing ${path.relative(ROOT, goldenPath)}: run with UPDATE_GOLDENS=1`).toBe(true);
    expect(actual).toEqual(JSON.parse(fs.readFileSync(goldenPath, 'utf8')));
  });
});
