// Side-by-side benchmark: ocirt, runc and crun (where it runs) on one busybox bundle, in
// one run, runtimes alternating call by call. Prints medians and ratios against runc as
// markdown tables. Needs root, runc and busybox-static; crun and docker.io are optional.
//
//   npm run bench [-- --quick] [--iterations N] [--density] [--docker] [--no-library] [--json FILE]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeBundles } from './bundle.mjs';
import { benchDocker, dockerMissing } from './docker.mjs';
import { benchMemory, benchParallelCycles, benchScaling } from './density.mjs';
import { benchLibrary } from './library.mjs';
import { kb, medians, ms, sideBySide, table } from './report.mjs';
import { findRuntimes, OCIRT, runtimeVersion } from './runtimes.mjs';
import { median } from './util.mjs';
import { benchVerbs, NODE_ROWS, VERB_ROWS } from './verbs.mjs';

const USAGE = 'usage: npm run bench -- [--quick] [--iterations N] [--density] [--docker] [--no-library] [--json FILE]';

function parseFlags(argv) {
  const flags = { quick: false, density: false, docker: false, library: true, iterations: undefined, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--quick') flags.quick = true;
    else if (a === '--density') flags.density = true;
    else if (a === '--docker') flags.docker = true;
    else if (a === '--no-library') flags.library = false;
    else if (a === '--json') flags.json = value();
    else if (a === '--iterations') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) fail(`--iterations: a whole number of at least 1 is needed, not ${argv[i]}`);
      flags.iterations = n;
    } else if (a === '--breakdown') continue; // bench/breakdown.mjs's flag (issue 19 item 5)
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown flag ${a}`);
  }
  return flags;
}

function fail(message) {
  console.error(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}

const flags = parseFlags(process.argv.slice(2));
if (process.getuid() !== 0) fail('run as root (containers are real)');
if (!fs.existsSync(OCIRT)) fail(`${OCIRT} is missing: build first (npm run build)`);
if (!fs.existsSync('/bin/busybox')) fail('/bin/busybox is missing (apt-get install busybox-static)');

const q = flags.quick;
const iterations = flags.iterations ?? (q ? 2 : Number(process.env.BENCH_ITERATIONS ?? 15));
const sizes = {
  library: q ? { count: 2, parallel: 2 } : { count: 100, parallel: 8 },
  memory: q ? 2 : 10,
  cycles: q ? { count: 8, parallel: 4, rounds: 1 } : { count: 100, parallel: 8, rounds: 2 },
  scaling: q ? [1, 3] : [1, 10, 50, 100, 200],
  docker: q ? 1 : Math.max(8, Math.min(iterations, 15)),
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-bench-'));
const { list: runtimes, skipped } = findRuntimes(tmp);
if (!runtimes.some((r) => r.name === 'runc')) fail('runc is not installed (apt-get install runc)');
const names = runtimes.map((r) => r.name);
const env = { ...process.env };
const caCerts = env.NODE_EXTRA_CA_CERTS;
delete env.NODE_EXTRA_CA_CERTS;
const results = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, iterations, sizes, runtimes: {} };

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`${results.date}; Node ${process.version}; ${os.cpus().length} cpus; load average ${load()}; ${iterations} iterations (medians)`);
for (const rt of runtimes) {
  results.runtimes[rt.name] = runtimeVersion(rt);
  console.log(`  ${rt.name}: ${results.runtimes[rt.name]}${rt.note ? ` (${rt.note})` : ''}`);
}
for (const s of skipped) console.log(`  not benched: ${s}`);

let failed = false;
async function section(name, fn) {
  try {
    await fn();
  } catch (err) {
    failed = true;
    console.error(`bench: ${name}: ${err.message}`);
  }
}

try {
  const bundles = makeBundles(path.join(tmp, 'bundles'), OCIRT);
  const common = { runtimes, bundles, tmp, env };

  await section('verbs', () => {
    const { verbs, node } = benchVerbs({ ...common, caCerts, iterations, warmUp: !q });
    results.verbs = verbs;
    results.nodeStart = node;
    const rows = VERB_ROWS.filter(([k]) => Object.values(verbs[k]).some((xs) => xs.length));
    console.log(`\n${sideBySide('one call', names, rows, (k) => medians(verbs[k]))}`);
    const nodeRows = NODE_ROWS.filter(([k]) => k !== 'nodeCa' || caCerts).map(([k, label]) => [label, ms(median(node[k]))]);
    console.log(`\n${table(['Node alone', 'median'], nodeRows)}`);
  });

  if (flags.library) {
    await section('library', async () => {
      const { count, parallel } = sizes.library;
      const lib = await benchLibrary({ ...common, count, parallel });
      results.library = lib;
      const rows = [[`ocirt library: runContainer × ${count} from one Node program`, ms(lib.library.wall), `${ms(lib.library.wall / count)} (in the program: ${ms(lib.library.inProgram / count)})`, (lib.library.wall / lib.cli.runc).toFixed(2)]];
      for (const n of names) rows.push([`\`${n} run\` × ${count}`, ms(lib.cli[n]), ms(lib.cli[n] / count), (lib.cli[n] / lib.cli.runc).toFixed(2)]);
      console.log(`\n${table([`${count} containers of /bin/true, ${parallel} at a time`, 'total', 'per container', '/runc'], rows)}`);
    });
  }

  if (flags.density) {
    await section('memory', () => {
      const mem = benchMemory({ ...common, count: sizes.memory });
      results.memory = mem;
      console.log(`\n${sideBySide(`created init (${sizes.memory} waiting at once)`, names, [['rss', 'Rss'], ['pss', 'Pss'], ['pssAnon', '  of which anonymous'], ['pssFile', '  of which files'], ['pssShmem', '  of which shmem (memfd)']], (k) => Object.fromEntries(names.map((n) => [n, mem[n]?.[k]])), kb)}`);
      for (const n of names) {
        if (!mem[n]) continue;
        const others = mem[n].others.length ? `; also running: ${mem[n].others.join(', ')} (Pss ${kb(mem[n].othersPss)} per container)` : '; nothing else left running';
        console.log(`  ${n}: the waiting init is \`${mem[n].init}\`${others}`);
      }
    });
    await section('parallel cycles', async () => {
      const { count, parallel, rounds } = sizes.cycles;
      const par = await benchParallelCycles({ ...common, count, parallel, rounds });
      results.parallelCycles = par;
      console.log(`\n${sideBySide(`${count} create+start+delete, ${parallel} at a time (median of ${rounds})`, names, [['t', 'total']], () => medians(par))}`);
    });
    await section('scaling', () => {
      const sc = benchScaling({ ...common, sizes: sizes.scaling });
      results.scaling = sc;
      const entries = sizes.scaling.flatMap((n) => [[`${n}:create`, `N=${n}: create, per container`], [`${n}:total`, `N=${n}: create+start+delete, per container`]]);
      console.log(`\n${sideBySide('N containers created, then started, then deleted', names, entries, (k) => {
        const [n, what] = k.split(':');
        return Object.fromEntries(names.map((r) => [r, sc[r]?.[n]?.[what]]));
      })}`);
    });
  }

  if (flags.docker) {
    const missing = dockerMissing();
    if (missing) console.log(`\ndocker: not benched: ${missing}`);
    else {
      await section('docker', async () => {
        const d = await benchDocker({ bundles, tmp, iterations: sizes.docker });
        results.docker = d;
        console.log(`\n${sideBySide(`\`docker run --rm busybox true\` (dockerd ${d.server}, ${sizes.docker} runs each)`, ['ocirt', 'runc'], [['run', 'median']], () => medians({ ocirt: d.ocirt, runc: d.runc }))}`);
      });
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`\nload average at the end: ${load()}`);
if (flags.json) fs.writeFileSync(flags.json, `${JSON.stringify(results, null, 2)}\n`);
if (failed) process.exit(1);
