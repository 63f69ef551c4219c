import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITY_NUMBERS, LAST_CAPABILITY } from '../../src/spec/capabilities';
import { MAX_PROBLEMS, finishProblems } from '../../src/spec/problems';
import { RLIMIT_NUMBERS } from '../../src/spec/rlimits';
import { sysctlNamespace, sysctlProcPath } from '../../src/spec/sysctl';
import { formatProblems, parseConfig, validateConfig, type ConfigProblem, type ConfigResult } from '../../src/spec/validate';

const repo = join(__dirname, '..', '..');
const fixtures = join(repo, 'spec-fixtures');

interface Expected {
  pointer: string;
  reasonIncludes: string;
}

function fixtureNames(kind: 'good' | 'bad'): string[] {
  return readdirSync(join(fixtures, kind)).sort();
}

function readFixture(kind: 'good' | 'bad', name: string, file = 'config.json'): string {
  return readFileSync(join(fixtures, kind, name, file), 'utf8');
}

function problemsOf(result: ConfigResult): ConfigProblem[] {
  if (result.ok) throw new Error(`expected problems, config was accepted (warnings: ${formatProblems(result.warnings)})`);
  return result.problems;
}

function okSpec(result: ConfigResult) {
  if (!result.ok) throw new Error(`expected success:\n${formatProblems(result.problems)}`);
  return result;
}

/** The runc spec default config, parsed, for targeted mutations. */
function base(): any {
  return JSON.parse(readFixture('good', 'runc-spec-default'));
}

beforeAll(() => {
  // Always regenerate, so the tests never run against a validator built from an older schema.
  execFileSync(process.execPath, [join(repo, 'scripts', 'gen-validator.mjs')], { stdio: 'pipe' });
});

describe('spec fixtures', () => {
  it('has enough fixtures to mean something', () => {
    expect(fixtureNames('good').length).toBeGreaterThanOrEqual(5);
    expect(fixtureNames('bad').length).toBeGreaterThanOrEqual(20);
  });

  for (const name of fixtureNames('good')) {
    it(`accepts good/${name}`, () => {
      okSpec(parseConfig(readFixture('good', name)));
    });
  }

  for (const name of fixtureNames('bad')) {
    it(`rejects bad/${name} with the expected pointer and reason`, () => {
      const raw = JSON.parse(readFixture('bad', name, 'expected.json')) as Expected | Expected[];
      const expected = Array.isArray(raw) ? raw : [raw];
      const problems = problemsOf(parseConfig(readFixture('bad', name)));
      expect(problems.map((p) => p.pointer)).toEqual(expected.map((e) => e.pointer));
      problems.forEach((p, i) => expect(p.reason).toContain(expected[i].reasonIncludes));
    });
  }
});

describe('parseConfig: JSON syntax errors', () => {
  const reasonFor = (text: string) => {
    const problems = problemsOf(parseConfig(text));
    expect(problems).toHaveLength(1);
    expect(problems[0].pointer).toBe('');
    return problems[0].reason;
  };

  it('names line and column of a missing comma', () => {
    expect(reasonFor('{\n  "ociVersion": "1.0.2"\n  "root": {}\n}')).toBe(
      "not valid JSON: expected ',' or '}' after property value, found '\"' at line 3 column 3",
    );
  });

  it('reports a missing value', () => {
    expect(reasonFor('{"ociVersion": }')).toBe("not valid JSON: unexpected '}' at line 1 column 16");
  });

  it('reports empty input and truncated input', () => {
    expect(reasonFor('')).toBe('not valid JSON: unexpected end of input at line 1 column 1');
    expect(reasonFor('{"a": [1, 2')).toBe("not valid JSON: expected ',' or ']' after array element, found end of input at line 1 column 12");
  });

  it('reports raw control characters inside strings and bad escapes', () => {
    expect(reasonFor('{"a": "x\ty"}')).toContain('control character U+0009 in string');
    expect(reasonFor('{"a": "\\q"}')).toContain("invalid escape '\\q' in string at line 1 column 8");
  });

  it('reports a byte order mark and trailing garbage', () => {
    expect(reasonFor('\uFEFF{}')).toContain('a byte order mark (U+FEFF) at line 1 column 1');
    expect(reasonFor('{} x')).toBe("not valid JSON: unexpected 'x' after the JSON value at line 1 column 4");
  });
});

describe('validateConfig', () => {
  it('returns the spec and leaves the input untouched', () => {
    const input = base();
    input.process.env = null;
    const before = JSON.stringify(input);
    const result = okSpec(validateConfig(input));
    expect(JSON.stringify(input)).toBe(before);
    expect(result.spec.process && 'env' in result.spec.process).toBe(false);
    expect(result.spec.hostname).toBe('runc');
  });

  it('treats null properties as absent, as Go does, but rejects null array elements', () => {
    const input = base();
    input.linux.resources = null;
    input.process.capabilities.ambient = null;
    input.hostname = null;
    okSpec(validateConfig(input));
    input.process.args = ['sh', null];
    expect(problemsOf(validateConfig(input))).toEqual([{ pointer: '/process/args/1', reason: 'must be a string, got null' }]);
  });

  it("fills in Go's zero values for process.user", () => {
    const input = base();
    delete input.process.user;
    expect(okSpec(validateConfig(input)).spec.process?.user).toEqual({ uid: 0, gid: 0 });
    input.process.user = { uid: 5 };
    expect(okSpec(validateConfig(input)).spec.process?.user).toEqual({ uid: 5, gid: 0 });
  });

  it('drops a seccomp object without defaultAction or syscalls, with a warning (runc: seccomp disabled)', () => {
    const input = base();
    input.linux.seccomp = { syscalls: [] };
    const result = okSpec(validateConfig(input));
    expect(result.spec.linux?.seccomp).toBeUndefined();
    expect(result.warnings.map((w) => w.pointer)).toEqual(['/linux/seccomp']);
  });

  it('takes an empty namespace path as none (the namespace is created), with a warning, as runc does', () => {
    const input = base();
    const i = input.linux.namespaces.findIndex((n: { type: string }) => n.type === 'network');
    input.linux.namespaces[i] = { type: 'network', path: '' };
    const result = okSpec(validateConfig(input));
    expect(result.spec.linux?.namespaces?.[i]).toEqual({ type: 'network' });
    expect(result.warnings).toEqual([{ pointer: `/linux/namespaces/${i}/path`, reason: expect.stringContaining('is empty') }]);
    // still no user namespace to join: one to create needs its mappings
    input.linux.namespaces.push({ type: 'user', path: '' });
    expect(problemsOf(validateConfig(input)).map((p) => p.pointer)).toEqual(['/linux/uidMappings', '/linux/gidMappings']);
  });

  it('accepts a relative mount destination with a warning, as runc does', () => {
    const input = base();
    input.mounts[0].destination = 'proc';
    const result = okSpec(validateConfig(input));
    expect(result.warnings).toEqual([
      { pointer: '/mounts/0/destination', reason: expect.stringContaining('is relative ("proc")') },
    ]);
  });

  it('requires root and process only for create', () => {
    const bare = { ociVersion: '1.2.0' };
    expect(problemsOf(validateConfig(bare)).map((p) => p.pointer)).toEqual(['/root', '/process']);
    okSpec(validateConfig(bare, { forCreate: false }));
  });

  it('can downgrade unknown capabilities to warnings, as runc treats them', () => {
    const input = base();
    input.process.capabilities.ambient.push('CAP_FROM_THE_FUTURE');
    expect(problemsOf(validateConfig(input))[0].pointer).toBe('/process/capabilities/ambient/3');
    const result = okSpec(validateConfig(input, { unknownCapabilities: 'warn' }));
    expect(result.warnings[0]).toEqual({
      pointer: '/process/capabilities/ambient/3',
      reason: 'unknown capability "CAP_FROM_THE_FUTURE" is ignored',
    });
  });

  it('accepts RLIM_INFINITY (2^64-1) and rejects numbers beyond uint64', () => {
    okSpec(parseConfig(readFixture('good', 'runc-spec-default').replace('"hard": 1024', '"hard": 18446744073709551615')));
    const problems = problemsOf(parseConfig(readFixture('good', 'runc-spec-default').replace('"hard": 1024', '"hard": 1e20')));
    expect(problems).toEqual([
      { pointer: '/process/rlimits/0/hard', reason: 'must be <= 18446744073709551615 (uint64), got 100000000000000000000' },
    ]);
  });

  it('escapes "/" and "~" in pointers', () => {
    const input = base();
    input.annotations = { 'a/b~c': 1 };
    expect(problemsOf(validateConfig(input))[0].pointer).toBe('/annotations/a~1b~0c');
  });

  it('keeps a "__proto__" key as plain data', () => {
    const result = okSpec(parseConfig(readFixture('good', 'runc-spec-default').replace('"ociVersion"', '"annotations": {"__proto__": "x"}, "ociVersion"')));
    expect(Object.getPrototypeOf(result.spec.annotations)).toBe(Object.prototype);
    expect(Object.keys(result.spec.annotations!)).toEqual(['__proto__']);
  });

  it('checks overlaps on the container side of id mappings too', () => {
    const input = base();
    input.linux.namespaces.push({ type: 'user' });
    input.linux.uidMappings = [
      { containerID: 0, hostID: 1000, size: 10 },
      { containerID: 9, hostID: 5000, size: 1 },
    ];
    input.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    expect(problemsOf(validateConfig(input))).toEqual([
      { pointer: '/linux/uidMappings/1/containerID', reason: 'range 9 overlaps /linux/uidMappings/0 (containerID 0..9)' },
    ]);
  });

  it('lets a joined user namespace go without mappings', () => {
    const input = base();
    input.linux.namespaces.push({ type: 'user', path: '/proc/1/ns/user' });
    okSpec(validateConfig(input));
  });

  it('rejects time offsets when joining a time namespace, and unknown clocks', () => {
    const input = base();
    input.linux.namespaces.push({ type: 'time', path: '/proc/1/ns/time' });
    input.linux.timeOffsets = { realtime: { secs: 1 } };
    expect(problemsOf(validateConfig(input)).map((p) => p.pointer)).toEqual(['/linux/timeOffsets', '/linux/timeOffsets/realtime']);
  });

  it('follows runc on sysctls: kernel.hostname conflicts, kernel.domainname needs uts, user.* needs a user namespace', () => {
    const input = base();
    input.linux.sysctl = { 'kernel.hostname': 'x', 'kernel.domainname': 'y', 'user.max_user_namespaces': '0' };
    expect(problemsOf(validateConfig(input))).toEqual([
      { pointer: '/linux/sysctl/kernel.hostname', reason: 'is not allowed: set /hostname instead' },
      { pointer: '/linux/sysctl/user.max_user_namespaces', reason: expect.stringContaining('requires a user namespace') },
    ]);
  });

  it('rejects a hostname longer than the kernel allows', () => {
    const input = base();
    input.hostname = 'h'.repeat(65);
    expect(problemsOf(validateConfig(input))[0]).toEqual({ pointer: '/hostname', reason: 'must be at most 64 bytes long' });
  });

  it('rejects SCMP_ACT_NOTIFY on write() and without a listener', () => {
    const input = base();
    input.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_NOTIFY' }] };
    expect(problemsOf(validateConfig(input)).map((p) => p.pointer)).toEqual([
      '/linux/seccomp/syscalls/0/names/1',
      '/linux/seccomp/listenerPath',
    ]);
  });

  it('caps the list of problems and says how many were left out', () => {
    const input = base();
    input.process.env = Array.from({ length: 60 }, (_, i) => `NOEQUALS${i}`);
    const problems = problemsOf(validateConfig(input));
    expect(problems).toHaveLength(MAX_PROBLEMS + 1);
    expect(problems[MAX_PROBLEMS]).toEqual({ pointer: '', reason: 'and 10 more problems' });
  });
});

describe('problems', () => {
  it('formats one line per problem', () => {
    expect(
      formatProblems([
        { pointer: '/process/cwd', reason: 'must be an absolute path' },
        { pointer: '', reason: 'not valid JSON: unexpected end of input at line 1 column 1' },
      ]),
    ).toBe(
      'config.json: /process/cwd: must be an absolute path\n' +
        'config.json: not valid JSON: unexpected end of input at line 1 column 1',
    );
  });

  it('drops duplicates', () => {
    const p = { pointer: '/a', reason: 'x' };
    expect(finishProblems([p, { ...p }, { pointer: '/a', reason: 'y' }])).toEqual([p, { pointer: '/a', reason: 'y' }]);
  });
});

describe('tables', () => {
  it('numbers all 41 capabilities 0..40 without gaps', () => {
    const numbers = Object.values(CAPABILITY_NUMBERS).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: LAST_CAPABILITY + 1 }, (_, i) => i));
    expect(CAPABILITY_NUMBERS.CAP_SYS_ADMIN).toBe(21);
    expect(CAPABILITY_NUMBERS.CAP_CHECKPOINT_RESTORE).toBe(40);
  });

  it('numbers the 16 rlimits as the kernel does', () => {
    expect(Object.values(RLIMIT_NUMBERS).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(RLIMIT_NUMBERS.RLIMIT_NOFILE).toBe(7);
    expect(RLIMIT_NUMBERS.RLIMIT_RTTIME).toBe(15);
  });

  it('maps sysctl names in both notations to /proc/sys paths and namespaces', () => {
    expect(sysctlProcPath('net.ipv4.conf.eth0/100.rp_filter')).toBe('net/ipv4/conf/eth0.100/rp_filter');
    expect(sysctlProcPath('net/ipv4/conf/eth0.100/rp_filter')).toBe('net/ipv4/conf/eth0.100/rp_filter');
    expect(sysctlNamespace('fs.mqueue.msg_max')).toBe('ipc');
    expect(sysctlNamespace('kernel/shmmax')).toBe('ipc');
    expect(sysctlNamespace('kernel.core_pattern')).toBeUndefined();
  });
});

describe('generated validator', () => {
  it('needs nothing at run time beyond ajv runtime helpers', () => {
    const file = join(repo, 'src', 'spec', 'generated', 'validator.js');
    expect(existsSync(file)).toBe(true);
    const requires = readFileSync(file, 'utf8').match(/require\("[^"]+"\)/g) ?? [];
    for (const r of requires) expect(r).toMatch(/^require\("ajv\/dist\/runtime\//);
  });
});
