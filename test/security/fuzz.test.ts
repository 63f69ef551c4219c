// Fuzzing, deterministic (a seeded PRNG; the seed is printed with every failure, and
// OCIRT_FUZZ_SEED=<n> reruns a run): mutated config.json through the library's
// validation and plan compiler (thousands, in-process), through `ocirt validate` and
// `ocirt create` + `delete --force`, and mutated command lines through `ocirt`. Every
// case must end in success or a clear error: no exception escaping, no stack trace, no
// "internal error", no signal, no hang, exit status 0 or 1 (255 for exec's own errors,
// as runc), nothing left behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isOcirtError } from '../../src/native/error';
import { compilePlan } from '../../src/plan/from-spec';
import type { Spec } from '../../src/spec/types';
import { parseConfig } from '../../src/spec/validate';
import { TestScope, cgroupDirsOf, hostMountsMentioning, processesInCgroupOf } from '../helpers/containers';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';
import { mapLimit, runToFilesAsync } from '../helpers/security';

const scope = new TestScope();

afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const SEED = Number(process.env.OCIRT_FUZZ_SEED ?? 20251122);
const REPO = path.resolve(__dirname, '../..');
const SEEDS_DIR = path.join(REPO, 'spec-fixtures/fuzz-seeds');

// ---------------------------------------------------------------------------------------
// PRNG and mutations

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG of its own for each case, so that one case can be reproduced alone. */
function caseRng(phase: number, index: number): Rng {
  return new Rng(prng((SEED ^ Math.imul(phase + 1, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0));
}

class Rng {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const HUGE_NUMBERS = [2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53, 2 ** 53 + 2, -1, -(2 ** 31), -(2 ** 63), 1e308, -0, 0.5, -1.5, Number.MAX_SAFE_INTEGER, 0];
/** Replaced in the text after JSON.stringify: values JSON.parse cannot keep exactly. */
const RAW_NUMBERS = ['18446744073709551616', '-9223372036854775809', '1e400', '-1e400', '99999999999999999999999999999', '0.0000000000000000000001'];
const STRINGS = ['', ' ', '/', '..', '../../../../etc/passwd', '/proc/self/fd/3', 'a\u0000b', '\u0007\u001b[2J', '\n', 'é', '\ud800', 'CAP_SYS_ADMIN', 'RLIMIT_NOFILE', 'rbind', 'tmpfs', 'proc', '/dev/null', 'x'.repeat(70_000)];

function randomString(r: Rng): string {
  if (r.chance(0.5)) return r.pick(STRINGS);
  let s = '';
  const n = r.int(40);
  for (let i = 0; i < n; i++) s += String.fromCharCode(r.chance(0.2) ? r.int(32) : r.chance(0.1) ? 0x80 + r.int(0x2000) : 0x20 + r.int(95));
  return s;
}

function randomValue(r: Rng, depth = 0): Json {
  switch (r.int(depth > 2 ? 5 : 7)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick(HUGE_NUMBERS);
    case 3:
      return r.int(1000);
    case 4:
      return randomString(r);
    case 5:
      return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: r.int(4) }, () => [randomString(r).slice(0, 20), randomValue(r, depth + 1)]));
  }
}

function nest(value: Json, depth: number, r: Rng): Json {
  let v = value;
  for (let i = 0; i < depth; i++) v = r.chance(0.5) ? [v] : { a: v };
  return v;
}

/** Every [container, key] in the document, to pick a mutation site from. */
function sites(doc: Json): Array<[Json[] | Record<string, Json>, string | number]> {
  const out: Array<[Json[] | Record<string, Json>, string | number]> = [];
  const walk = (v: Json) => {
    if (Array.isArray(v)) v.forEach((c, i) => (out.push([v, i]), walk(c)));
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) out.push([v, k]), walk(v[k]);
  };
  walk(doc);
  return out;
}

/** Applies 1-4 mutations; returns the text and what was done (for the failure message). */
function mutate(seed: Json, r: Rng): { text: string; ops: string[] } {
  const doc = JSON.parse(JSON.stringify(seed)) as Json;
  const ops: string[] = [];
  const deep: Array<{ marker: string; depth: number; arrays: boolean; inner: string }> = [];
  const count = 1 + r.int(4);
  for (let m = 0; m < count; m++) {
    const all = sites(doc);
    if (all.length === 0) break;
    const [parent, key] = r.pick(all);
    const get = () => (parent as Record<string, Json>)[key as string];
    const set = (v: Json) => ((parent as Record<string, Json>)[key as string] = v);
    const op = r.int(9);
    switch (op) {
      case 0:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
        ops.push(`drop ${key}`);
        break;
      case 1:
        set(randomValue(r));
        ops.push(`retype ${key}`);
        break;
      case 2:
        set(r.pick(HUGE_NUMBERS));
        ops.push(`number ${key}`);
        break;
      case 3:
        set(randomString(r));
        ops.push(`string ${key}`);
        break;
      case 4: {
        // mostly shallow; now and then far deeper than any decoder expects (spliced into
        // the text afterwards: the mutator itself walks the tree recursively)
        if (r.chance(0.03)) {
          const depth = r.pick([3000, 12_000, 50_000]);
          const marker = `__ocirt_fuzz_deep_${deep.length}__`;
          deep.push({ marker, depth, arrays: r.chance(0.5), inner: JSON.stringify(get() ?? null) });
          set(marker);
          ops.push(`nest ${key} ${depth}`);
        } else {
          const depth = 1 + r.int(60);
          set(nest(get(), depth, r));
          ops.push(`nest ${key} ${depth}`);
        }
        break;
      }
      case 5: {
        const v = get();
        if (Array.isArray(v) && v.length > 0) {
          const n = r.chance(0.1) ? 5000 : 1 + r.int(20);
          for (let i = 0; i < n; i++) v.push(JSON.parse(JSON.stringify(v[r.int(v.length)])) as Json);
          ops.push(`duplicate ${key} x${n}`);
        } else {
          set([v, v]);
          ops.push(`arrayify ${key}`);
        }
        break;
      }
      case 6: {
        const v = get();
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          const k = r.pick(['__proto__', 'constructor', 'x-extra', randomString(r).slice(0, 30)]);
          Object.defineProperty(v, k, { value: randomValue(r), enumerable: true, writable: true, configurable: true });
          ops.push(`add key ${JSON.stringify(k)} in ${key}`);
        } else {
          set({});
          ops.push(`objectify ${key}`);
        }
        break;
      }
      case 7: {
        const [other, otherKey] = r.pick(all);
        set(JSON.parse(JSON.stringify((other as Record<string, Json>)[otherKey as string] ?? null)) as Json);
        ops.push(`copy ${otherKey} to ${key}`);
        break;
      }
      default:
        if (Array.isArray(parent)) parent.length = 0;
        else set([]);
        ops.push(`empty ${key}`);
    }
  }
  let text = JSON.stringify(doc);
  for (const d of deep) {
    const [open, close] = d.arrays ? ['[', ']'] : ['{"a":', '}'];
    text = text.replace(JSON.stringify(d.marker), () => `${open.repeat(d.depth)}${d.inner}${close.repeat(d.depth)}`);
  }
  if (r.chance(0.1)) {
    const numbers = [...text.matchAll(/(?<=[:[,])-?\d+(?=[,\]}])/g)];
    if (numbers.length > 0) {
      const target = r.pick(numbers);
      const raw = r.pick(RAW_NUMBERS);
      text = text.slice(0, target.index) + raw + text.slice(target.index! + target[0].length);
      ops.push(`raw number ${raw}`);
    }
  }
  if (r.chance(0.05)) {
    const at = r.int(text.length);
    text = text.slice(0, at);
    ops.push(`truncate at ${at}`);
  }
  if (r.chance(0.05)) {
    const at = r.int(text.length);
    text = text.slice(0, at) + String.fromCharCode(r.int(256)) + text.slice(at + 1);
    ops.push(`garble at ${at}`);
  }
  return { text, ops };
}

function loadSeeds(): Array<{ name: string; doc: Json }> {
  const out: Array<{ name: string; doc: Json }> = [];
  const good = path.join(REPO, 'spec-fixtures/good');
  for (const d of fs.readdirSync(good).sort()) {
    const f = path.join(good, d, 'config.json');
    if (fs.existsSync(f)) out.push({ name: `good/${d}`, doc: JSON.parse(fs.readFileSync(f, 'utf8')) as Json });
  }
  for (const f of fs.readdirSync(SEEDS_DIR).filter((x) => /^busybox-.*\.json$/.test(x)).sort()) {
    out.push({ name: `fuzz-seeds/${f}`, doc: JSON.parse(fs.readFileSync(path.join(SEEDS_DIR, f), 'utf8')) as Json });
  }
  return out;
}

const SEED_DOCS = loadSeeds();

function describeCase(phase: string, index: number, seedName: string, ops: string[], text?: string): string {
  const shown = text === undefined ? '' : `\n  input: ${text.length > 400 ? `${text.slice(0, 400)}… (${text.length} chars)` : text}`;
  return `[fuzz ${phase}] seed=${SEED} case=${index} from ${seedName}: ${ops.join('; ')} — rerun with OCIRT_FUZZ_SEED=${SEED}${shown}`;
}

/** What an answer on stderr must never contain. */
const CRASH = /^\s+at |internal error|Maximum call stack|TypeError|RangeError|ReferenceError|Segmentation fault|core dumped|Aborted|panic/m;

const HOST = {
  sourceKinds: {} as Record<string, 'dir' | 'file'>,
  hasKcore: true,
  capLastCap: 40,
  cgroup: { version: 2 as const, mounts: [{ subdir: '', hostPath: '/sys/fs/cgroup/fuzz', controllers: [] }], symlinks: [] },
};

// ---------------------------------------------------------------------------------------

describe('fuzz: mutated configs through the library (in-process)', () => {
  it('3000 mutated configs: parseConfig never throws, problems carry JSON pointers, compilePlan throws only OcirtErrors', () => {
    const failures: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const r = caseRng(0, i);
      const seed = r.pick(SEED_DOCS);
      const { text, ops } = mutate(seed.doc, r);
      let result;
      try {
        result = parseConfig(text);
      } catch (err) {
        failures.push(`${describeCase('library', i, seed.name, ops, text)}\n  parseConfig threw ${String(err)}`);
        continue;
      }
      if (!result.ok) {
        for (const p of result.problems) {
          if (typeof p.pointer !== 'string' || !/^(\/[^/]*)*$/.test(p.pointer) || typeof p.reason !== 'string' || p.reason === '') {
            failures.push(`${describeCase('library', i, seed.name, ops, text)}\n  bad problem ${JSON.stringify(p).slice(0, 300)}`);
          }
        }
        continue;
      }
      const spec = result.spec as Spec;
      // the BPF compiler is native; seccomp is covered by the CLI phases
      if (spec.linux) delete spec.linux.seccomp;
      try {
        compilePlan(spec, { containerId: 'fuzz', bundle: '/fuzz/bundle', execFifo: '/fuzz/state/exec.fifo', noPivot: false, preserveFds: 0, host: HOST });
      } catch (err) {
        if (!isOcirtError(err) || CRASH.test((err as Error).message)) {
          failures.push(`${describeCase('library', i, seed.name, ops, text)}\n  compilePlan threw ${(err as Error)?.stack ?? String(err)}`);
        }
      }
    }
    expect(failures.slice(0, 10).join('\n\n'), `${failures.length} of 3000 cases failed`).toBe('');
  }, 180_000);
});

/** A bundle for the CLI phases: config.json and a rootfs (a symlink to one shared busybox rootfs). */
function cliBundle(rootfs: string, text: string): string {
  const dir = scope.scratch('ocirt-fuzz-bundle-');
  fs.symlinkSync(rootfs, path.join(dir, 'rootfs'));
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'config.json'), text);
  return dir;
}

describe('fuzz: mutated configs through `ocirt validate`', () => {
  it('200 mutated bundles: exit 0 or 1, a report, never a crash or a hang', async () => {
    const rootfs = scope.bundle().rootfs;
    const cases = Array.from({ length: 200 }, (_, i) => {
      const r = caseRng(1, i);
      const seed = r.pick(SEED_DOCS);
      return { i, seed, json: r.chance(0.5), ...mutate(seed.doc, r) };
    });
    const failures: string[] = [];
    await mapLimit(cases, 4, async (c) => {
      const dir = cliBundle(rootfs, c.text);
      const args = ['validate', ...(c.json ? ['--format', 'json'] : []), '--bundle', dir];
      const r = await runToFilesAsync([OCIRT, '--root', scope.root, ...args], dir, { timeoutMs: 30_000 });
      const problems: string[] = [];
      if (r.timedOut) problems.push('hung');
      if (r.signal) problems.push(`signal ${r.signal}`);
      if (r.status !== 0 && r.status !== 1) problems.push(`exit status ${r.status}`);
      if (CRASH.test(r.stderr) || CRASH.test(r.stdout)) problems.push('crash text');
      if (c.json && !r.timedOut) {
        try {
          const report = JSON.parse(r.stdout) as { valid: boolean };
          if (report.valid !== (r.status === 0)) problems.push('"valid" disagrees with the exit status');
        } catch {
          problems.push('--format json output is not JSON');
        }
      }
      if (problems.length > 0) failures.push(`${describeCase('validate', c.i, c.seed.name, c.ops, c.text)}\n  ${problems.join(', ')}\n  stderr: ${r.stderr.slice(0, 600)}\n  stdout: ${r.stdout.slice(0, 300)}`);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    expect(failures.slice(0, 10).join('\n\n'), `${failures.length} of 200 cases failed`).toBe('');
  }, 300_000);
});

/**
 * Makes a mutated config safe to `create` on the test host: the busybox rootfs, no hooks
 * (they would run host programs), no namespace paths, bind sources inside the bundle, a
 * mount namespace of its own, no cgroupsPath, netDevices, intelRdt or realtime scheduler.
 * The mutation stays everywhere else. The process never runs (create, then delete).
 */
function hostSafe(text: string): string | null {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return text; // not JSON: refused before anything is done
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return text;
  doc.root = { path: 'rootfs', readonly: (doc.root as { readonly?: unknown } | undefined)?.readonly === true };
  delete doc.hooks;
  const proc = doc.process as Record<string, unknown> | undefined;
  if (proc && typeof proc === 'object') delete proc.scheduler;
  if (Array.isArray(doc.mounts)) {
    for (const m of doc.mounts as Array<Record<string, unknown>>) {
      if (!m || typeof m !== 'object') continue;
      const opts = Array.isArray(m.options) ? (m.options as unknown[]) : [];
      if (m.type === 'bind' || opts.includes('bind') || opts.includes('rbind') || m.type === undefined) m.source = 'data';
      if (Array.isArray(m.options)) m.options = (m.options as unknown[]).map((o) => (o === 'shared' || o === 'rshared' ? 'rprivate' : o));
    }
  }
  const linux = doc.linux as Record<string, unknown> | undefined;
  if (linux && typeof linux === 'object' && !Array.isArray(linux)) {
    delete linux.cgroupsPath;
    delete linux.netDevices;
    delete linux.intelRdt;
    if (linux.rootfsPropagation === 'shared' || linux.rootfsPropagation === 'rshared') linux.rootfsPropagation = 'rprivate';
    if (Array.isArray(linux.namespaces)) {
      linux.namespaces = (linux.namespaces as Array<Record<string, unknown>>).map((n) => (n && typeof n === 'object' ? { type: n.type } : n));
      if (!(linux.namespaces as Array<{ type?: unknown }>).some((n) => n?.type === 'mount')) (linux.namespaces as unknown[]).push({ type: 'mount' });
    } else {
      linux.namespaces = [{ type: 'mount' }, { type: 'pid' }];
    }
  }
  try {
    return JSON.stringify(doc);
  } catch {
    return null; // too deep to rewrite here: the library and validate phases cover it
  }
}

describe.skipIf(!isRoot)('fuzz: mutated configs through `ocirt create` + `delete --force` (needs root)', () => {
  it('50 mutated busybox configs: created or refused cleanly; nothing left behind', async () => {
    const rootfs = scope.bundle().rootfs;
    const busybox = SEED_DOCS.filter((s) => s.name.startsWith('fuzz-seeds/'));
    const failures: string[] = [];
    for (let i = 0; i < 50; i++) {
      const r = caseRng(2, i);
      const seed = r.pick(busybox);
      const { text, ops } = mutate(seed.doc, r);
      const safe = hostSafe(text);
      if (safe === null) continue;
      const dir = scope.scratch('ocirt-fuzz-create-');
      // a real copy: the container mounts into it
      fs.cpSync(rootfs, path.join(dir, 'rootfs'), { recursive: true, verbatimSymlinks: true });
      fs.mkdirSync(path.join(dir, 'data'));
      fs.writeFileSync(path.join(dir, 'config.json'), safe);
      const id = scope.id('fz');
      const c = await runToFilesAsync([OCIRT, '--root', scope.root, 'create', '--bundle', dir, id], dir, { timeoutMs: 60_000 });
      const d = await runToFilesAsync([OCIRT, '--root', scope.root, 'delete', '--force', id], dir, { timeoutMs: 60_000 });
      const problems: string[] = [];
      for (const [verb, res] of [['create', c], ['delete', d]] as const) {
        if (res.timedOut) problems.push(`${verb} hung`);
        if (res.signal) problems.push(`${verb} signal ${res.signal}`);
        if (res.status !== 0 && res.status !== 1) problems.push(`${verb} exit status ${res.status}`);
        if (CRASH.test(res.stderr)) problems.push(`${verb} crash text`);
      }
      if (c.status === 1 && !/^ocirt: /.test(c.stderr)) problems.push('create error is not an "ocirt: " line');
      if (d.status !== 0) problems.push(`delete --force failed: ${d.stderr.trim()}`);
      const left = [
        ...(fs.existsSync(path.join(scope.root, id)) ? ['state dir'] : []),
        ...cgroupDirsOf(id).map((x) => `cgroup ${x}`),
        ...processesInCgroupOf(id).map((p) => `process ${p}`),
        ...hostMountsMentioning(dir).map((l) => `mount ${l}`),
      ];
      if (left.length > 0) problems.push(`left behind: ${left.join(', ')}`);
      if (problems.length > 0) failures.push(`${describeCase('create', i, seed.name, ops, safe)}\n  ${problems.join(', ')}\n  create stderr: ${c.stderr.slice(0, 600)}`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(failures.slice(0, 10).join('\n\n'), `${failures.length} of 50 cases failed`).toBe('');
  }, 600_000);
});

// ---------------------------------------------------------------------------------------

interface Vocabulary {
  verbs: string[];
  globalFlags: string[];
  flags: string[];
  signals: string[];
  numbers: string[];
  formats: string[];
  strings: string[];
  commands: string[][];
}

describe.skipIf(!isRoot)('fuzz: mutated command lines through `ocirt` (needs root)', () => {
  it('500 command lines: exit 0 or 1 (255 for exec), no crash, no hang; nothing left once deleted', async () => {
    const vocab = JSON.parse(fs.readFileSync(path.join(SEEDS_DIR, 'argv-vocabulary.json'), 'utf8')) as Vocabulary;
    const work = scope.scratch('ocirt-fuzz-argv-');
    const good = scope.bundle(['true']);
    const failing = scope.bundle(['false']);
    const invalid = scope.scratch('ocirt-fuzz-invalid-');
    fs.writeFileSync(path.join(invalid, 'config.json'), '{"ociVersion": 5}');
    fs.writeFileSync(path.join(work, 'process.json'), JSON.stringify({ args: ['true'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } }));
    fs.writeFileSync(path.join(work, 'bad-process.json'), '{"args": 5');
    const ids = [scope.id('fa'), scope.id('fb'), scope.id('fc')];
    const paths = [good.dir, failing.dir, invalid, path.join(work, 'nope'), path.join(work, 'process.json'), path.join(work, 'bad-process.json'), path.join(work, 'log'), work];

    const value = (r: Rng, flag: string): string[] => {
      switch (flag) {
        case '--bundle':
        case '-b':
          return [r.pick([good.dir, good.dir, failing.dir, invalid, path.join(work, 'nope')])];
        case '--pid-file':
          return [r.pick([path.join(work, 'pid'), path.join(work, 'no/dir/pid')])];
        case '--log':
          return [r.pick([path.join(work, 'log'), work])];
        case '--root':
          return [path.join(work, 'other-root')];
        case '--process':
        case '-p':
        case '--resources':
          return [r.pick([path.join(work, 'process.json'), path.join(work, 'bad-process.json'), '-'])];
        case '--console-socket':
          return [path.join(work, 'sock')];
        case '--preserve-fds':
        case '--memory':
        case '--pids-limit':
        case '--cpu-shares':
        case '--interval':
          return [r.pick(vocab.numbers)];
        case '--format':
        case '--log-format':
          return [r.pick(vocab.formats)];
        case '--cgroup-manager':
          return [r.pick(['cgroupfs', 'systemd', 'disabled', 'bogus'])];
        case '--rootless':
          return [r.pick(['true', 'false', 'auto', 'bogus'])];
        case '--cwd':
        case '--env':
        case '-e':
        case '--user':
        case '-u':
        case '--additional-gids':
        case '-g':
        case '--cap':
        case '-c':
          return [r.pick(vocab.strings)];
        default:
          return [];
      }
    };

    const argvFor = (r: Rng): string[] => {
      const argv: string[] = [];
      for (let n = r.int(3); n > 0; n--) {
        const g = r.pick(vocab.globalFlags);
        argv.push(g, ...value(r, g));
      }
      const verb = r.pick(vocab.verbs);
      if (verb) argv.push(verb);
      for (let n = r.int(4); n > 0; n--) {
        const f = r.pick(vocab.flags);
        argv.push(f, ...value(r, f));
      }
      if (r.chance(0.85)) argv.push(r.chance(0.8) ? r.pick(ids) : r.pick(vocab.strings));
      if (verb === 'kill') argv.push(r.pick(vocab.signals));
      if (verb === 'exec' || (verb === 'ps' && r.chance(0.3))) argv.push(...r.pick(vocab.commands));
      if (r.chance(0.1)) argv.push(r.pick([...vocab.strings, ...paths]));
      // `events` without --stats streams until the container stops, which a created one never does
      if (argv.includes('events') && !argv.includes('--stats')) argv.push('--stats');
      return argv;
    };

    const failures: string[] = [];
    for (let i = 0; i < 500; i++) {
      const r = caseRng(3, i);
      const argv = argvFor(r);
      const res = await runToFilesAsync([OCIRT, '--root', scope.root, ...argv], work, { timeoutMs: 30_000, cwd: work });
      const allowed = argv.includes('exec') ? [0, 1, 255] : [0, 1];
      const problems: string[] = [];
      if (res.timedOut) problems.push('hung');
      if (res.signal) problems.push(`signal ${res.signal}`);
      if (!allowed.includes(res.status ?? -1)) problems.push(`exit status ${res.status}`);
      if (CRASH.test(res.stderr)) problems.push('crash text');
      if (problems.length > 0) {
        failures.push(`[fuzz argv] seed=${SEED} case=${i}: ocirt ${JSON.stringify(argv)} — rerun with OCIRT_FUZZ_SEED=${SEED}\n  ${problems.join(', ')}\n  stderr: ${res.stderr.slice(0, 500)}`);
      }
    }
    // whatever the command lines made, delete --force removes it all
    for (const root of [scope.root, path.join(work, 'other-root')]) {
      let left: string[] = [];
      try {
        left = fs.readdirSync(root);
      } catch {
        continue;
      }
      for (const id of left) await runToFilesAsync([OCIRT, '--root', root, 'delete', '--force', id], work);
      expect(fs.readdirSync(root), `state left in ${root}`).toEqual([]);
    }
    for (const id of ids) {
      expect(cgroupDirsOf(id)).toEqual([]);
      expect(processesInCgroupOf(id)).toEqual([]);
    }
    for (const d of [good.dir, failing.dir, work]) expect(hostMountsMentioning(d)).toEqual([]);
    expect(failures.slice(0, 10).join('\n\n'), `${failures.length} of 500 command lines failed`).toBe('');
  }, 600_000);
});
