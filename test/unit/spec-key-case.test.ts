// What runc's Go decoder accepts: keys in another case than the spec's, and device
// access strings with letters besides r, w and m; taken as runc takes them, with a
// warning naming the pointer and the spec's spelling.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseResourcesJson } from '../../src/lifecycle/update-input';
import { formatProblems, validateConfig, type ConfigResult } from '../../src/spec/validate';

const repo = join(__dirname, '..', '..');

beforeAll(() => {
  // The key tree comes from the schema, generated with the validator.
  execFileSync(process.execPath, [join(repo, 'scripts', 'gen-validator.mjs')], { stdio: 'pipe' });
});

/** The runc spec default config, parsed, for targeted mutations. */
function base(): any {
  return JSON.parse(readFileSync(join(repo, 'spec-fixtures/good/runc-spec-default/config.json'), 'utf8'));
}

function okSpec(result: ConfigResult) {
  if (!result.ok) throw new Error(`expected success:\n${formatProblems(result.problems)}`);
  return result;
}

const CASE = '(keys are matched case-insensitively, as runc does)';

describe('keys matched case-insensitively, as Go decodes them', () => {
  it('takes "pagesize" as pageSize and "Limit" as limit, with a warning naming each pointer', () => {
    const input = base();
    input.linux.resources = { hugepageLimits: [{ pagesize: '2MB', Limit: 4194304 }] };
    const result = okSpec(validateConfig(input));
    expect(result.spec.linux?.resources?.hugepageLimits).toEqual([{ pageSize: '2MB', limit: 4194304 }]);
    expect(result.warnings).toEqual([
      { pointer: '/linux/resources/hugepageLimits/0/pagesize', reason: `taken as "pageSize" ${CASE}` },
      { pointer: '/linux/resources/hugepageLimits/0/Limit', reason: `taken as "limit" ${CASE}` },
    ]);
    expect(formatProblems(result.warnings.slice(0, 1))).toBe(
      `config.json: /linux/resources/hugepageLimits/0/pagesize: taken as "pageSize" ${CASE}`,
    );
  });

  it('walks renamed parents too; pointers keep the document\'s own spelling', () => {
    const input = base();
    input.Linux = input.linux;
    delete input.linux;
    delete input.Linux.resources;
    input.Linux.Resources = { CPU: { SHARES: 512 } };
    const result = okSpec(validateConfig(input));
    expect(result.spec.linux?.resources?.cpu).toEqual({ shares: 512 });
    expect(result.spec.linux?.namespaces?.length).toBeGreaterThan(0);
    expect(result.warnings.map((w) => w.pointer)).toEqual(['/Linux', '/Linux/Resources', '/Linux/Resources/CPU', '/Linux/Resources/CPU/SHARES']);
  });

  it('keeps the schema\'s errors, with their pointers, for everything else', () => {
    const input = base();
    input.linux.resources = { hugepageLimits: [{ pagesize: '2 MB', limit: 1 }], CPU: { shares: 'many' } };
    const result = validateConfig(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.pointer)).toEqual(['/linux/resources/cpu/shares', '/linux/resources/hugepageLimits/0/pageSize']);
    // a key that matches no name is still just unknown (and required ones still missing)
    const typo = base();
    typo.linux.resources = { hugepageLimits: [{ pgsize: '2MB', limit: 1 }] };
    const r2 = validateConfig(typo);
    expect(r2.ok).toBe(false);
    if (r2.ok) return;
    expect(r2.problems).toEqual([{ pointer: '/linux/resources/hugepageLimits/0/pageSize', reason: 'is required' }]);
  });

  it('leaves unknown keys and the keys of maps (annotations, sysctl, unified) as they are, without a warning', () => {
    const input = base();
    input.annotations = { Hostname: 'x', 'org.example/Key': 'y' };
    input.linux.sysctl = { 'net.IPv4.ip_forward': '1' };
    input.linux.resources = { unified: { 'Memory.High': '1' } };
    input.someFutureField = { Hostname: 1 };
    const result = okSpec(validateConfig(input));
    expect(result.spec.annotations).toEqual({ Hostname: 'x', 'org.example/Key': 'y' });
    expect(result.spec.linux?.sysctl).toEqual({ 'net.IPv4.ip_forward': '1' });
    expect(result.spec.linux?.resources?.unified).toEqual({ 'Memory.High': '1' });
    expect((result.spec as any).someFutureField).toEqual({ Hostname: 1 });
    expect(result.spec.hostname).toBe(base().hostname);
    expect(result.warnings).toEqual([]);
  });

  it('a name given twice (exactly and in another case): the later value wins and objects merge, as Go fills one field twice', () => {
    const later = base();
    later.hostname = 'exact';
    later.HOSTNAME = 'later';
    const r1 = okSpec(validateConfig(later));
    expect(r1.spec.hostname).toBe('later');
    expect(r1.warnings.map((w) => w.pointer)).toEqual(['/HOSTNAME', '/hostname']);
    expect(r1.warnings[1].reason).toContain('given again later as "HOSTNAME"');

    const exactLast = base();
    delete exactLast.hostname;
    exactLast.HostName = 'first';
    exactLast.hostname = 'exact-later';
    expect(okSpec(validateConfig(exactLast)).spec.hostname).toBe('exact-later');

    const merged = base();
    merged.Process = { cwd: '/work', args: ['true'] };
    const r3 = okSpec(validateConfig(merged));
    expect(r3.spec.process?.cwd).toBe('/work');
    expect(r3.spec.process?.args).toEqual(['true']);
    expect(r3.spec.process?.env).toEqual(base().process.env);
  });

  it('folds as Go\'s EqualFold: the Kelvin sign and the long s stand for k and s; other non-ASCII letters match nothing', () => {
    const input = base();
    input.linux.resources = { memory: { '\u212aernel': 1048576 }, pids: { limit: 5 } };
    input['ho\u017ftname'] = 'long-s';
    delete input.hostname;
    input['proce\u0455s'] = {}; // Cyrillic dze: not an "s"
    const result = okSpec(validateConfig(input));
    expect(result.spec.linux?.resources?.memory).toEqual({ kernel: 1048576 });
    expect(result.spec.hostname).toBe('long-s');
    expect(result.spec.process?.args).toEqual(base().process.args);
    expect(result.warnings.map((w) => w.pointer)).toEqual(['/linux/resources/memory/\u212aernel', '/ho\u017ftname']);
  });

  it('a "__proto__" key stays a plain unknown property', () => {
    const result = okSpec(validateConfig(JSON.parse(`{"__proto__": {"hostname": "polluted"}, ${JSON.stringify(base()).slice(1)}`)));
    expect(result.spec.hostname).toBe(base().hostname);
    expect(({} as Record<string, unknown>).hostname).toBeUndefined();
  });
});

describe('device access letters, as runc reads them', () => {
  it('takes "rwa" as "rw" (runc ignores letters other than r, w and m), with a warning', () => {
    const input = base();
    input.linux.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 4, minor: 1, Access: 'rwa' }] };
    const result = okSpec(validateConfig(input));
    expect(result.spec.linux?.resources?.devices?.[1]).toEqual({ allow: true, type: 'c', major: 4, minor: 1, access: 'rw' });
    expect(result.warnings).toEqual([
      { pointer: '/linux/resources/devices/1/Access', reason: `taken as "access" ${CASE}` },
      { pointer: '/linux/resources/devices/1/access', reason: '"rwa" taken as "rw" (letters other than r, w and m are ignored, as runc does)' },
    ]);
  });

  it('still refuses an access string with none of r, w, m (runc fails on it too)', () => {
    const input = base();
    input.linux.resources = { devices: [{ allow: true, type: 'c', major: 4, minor: 1, access: 'ax' }] };
    const result = validateConfig(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([{ pointer: '/linux/resources/devices/0/access', reason: 'must match ^[rwm]+$, got "ax"' }]);
  });
});

describe('update -r input', () => {
  it('takes {"CPU": {"Shares": 512}} as cpu.shares with a warning per key; typos are still unknown keys', () => {
    const warnings: string[] = [];
    expect(parseResourcesJson('{"CPU": {"Shares": 512}, "Memory": null}', 'r.json', (m) => warnings.push(m))).toEqual({ cpu: { shares: 512 } });
    expect(warnings).toEqual([
      `r.json: /CPU: taken as "cpu" ${CASE}`,
      `r.json: /CPU/Shares: taken as "shares" ${CASE}`,
      `r.json: /Memory: taken as "memory" ${CASE}`,
    ]);
    expect(() => parseResourcesJson('{"CPU": {"sharez": 1}}', 'r.json')).toThrow('r.json: /cpu/sharez: unknown key');
    expect(() => parseResourcesJson('{"cpu": {"Shares": "x"}}', 'r.json')).toThrow('r.json: /cpu/shares: must be an integer');
  });
});
