// Density and memory (`--density`): what a created container's waiting init costs in
// memory, create+start+delete cycles 8 at a time, and the cost per container as the
// number of containers alive at once grows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cli, median, nowMs, pool, readPid, rotate, spawnAsync, waitExited, waitExitedAsync } from './util.mjs';
import { removeAll } from './verbs.mjs';

/** Rss, Pss and its anonymous, file and shmem (memfd) parts of a process in kB, from /proc/PID/smaps_rollup. */
export function memoryOf(pid) {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: field('Rss'), pss: field('Pss'), pssAnon: field('Pss_Anon'), pssFile: field('Pss_File'), pssShmem: field('Pss_Shmem') };
}

function commOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 2).join(' ');
  } catch {
    return '?';
  }
}

/** Pids on the host whose command line names `needle` (processes a runtime left behind). */
function processesNaming(needle, except) {
  const found = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || except.has(Number(p))) continue;
    try {
      if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle)) found.push(Number(p));
    } catch {
      // gone
    }
  }
  return found;
}

/**
 * `count` containers created (not started) at once per runtime: the init's Rss and Pss
 * (Pss shares the pages the inits have in common among them, as on a dense host), and
 * any other process a runtime leaves running for a created container.
 */
export function benchMemory({ runtimes, bundles, tmp, env, count }) {
  const out = {};
  for (const rt of runtimes) {
    const cli = new Cli(rt, path.join(tmp, `mem-${rt.name}`), env);
    try {
      const pids = [];
      for (let i = 0; i < count; i++) {
        const pidFile = path.join(cli.root, `m${i}.pid`);
        cli.must(['create', '--bundle', bundles.sleepBundle, '--pid-file', pidFile, `m${i}`]);
        pids.push(readPid(pidFile));
      }
      const mems = pids.map(memoryOf);
      const others = processesNaming(cli.root, new Set([...pids, process.pid]));
      const otherMem = others.map(memoryOf);
      out[rt.name] = {
        rss: median(mems.map((m) => m.rss)),
        pss: median(mems.map((m) => m.pss)),
        pssAnon: median(mems.map((m) => m.pssAnon)),
        pssFile: median(mems.map((m) => m.pssFile)),
        pssShmem: median(mems.map((m) => m.pssShmem)),
        init: commOf(pids[0]),
        others: others.map(commOf),
        othersPss: otherMem.reduce((s, m) => s + m.pss, 0) / count,
      };
    } finally {
      removeAll(cli);
      cli.close();
    }
  }
  return out;
}

/** `count` create+start+delete cycles, `parallel` at a time: total ms per runtime per round. */
export async function benchParallelCycles({ runtimes, bundles, tmp, env, count, parallel, rounds }) {
  const out = Object.fromEntries(runtimes.map((r) => [r.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const rt of rotate(runtimes, round)) {
      const cli = new Cli(rt, path.join(tmp, `par-${rt.name}-${round}`), env);
      const fds = Array.from({ length: parallel }, (_, s) => fs.openSync(path.join(cli.root, `.slot${s}`), 'a'));
      try {
        const t = nowMs();
        await pool(count, parallel, (i, slot) => cycleWith(cli, bundles.trueBundle, `p${i}`, fds[slot]));
        out[rt.name].push(nowMs() - t);
      } catch (err) {
        throw new Error(`${err.message}\n${fds.map((_, s) => fs.readFileSync(path.join(cli.root, `.slot${s}`), 'utf8')).join('')}`);
      } finally {
        fds.forEach((fd) => fs.closeSync(fd));
        removeAll(cli);
        cli.close();
      }
    }
  }
  return out;
}

async function cycleWith(cli, bundle, id, fd) {
  const pidFile = path.join(cli.root, `${id}.pid`);
  const call = (args) => spawnAsync([cli.runtime.argv[0], ...cli.argv(args)], { env: cli.env, fd, what: `${cli.runtime.name} ${args[0]} ${id}` });
  await call(['create', '--bundle', bundle, '--pid-file', pidFile, id]);
  await call(['start', id]);
  await waitExitedAsync(readPid(pidFile));
  await call(['delete', id]);
}

/**
 * For each n: n containers created one after another (all alive at once), then all
 * started, then all deleted; ms per container for create, and for the whole.
 */
export function benchScaling({ runtimes, bundles, tmp, env, sizes }) {
  const out = Object.fromEntries(runtimes.map((r) => [r.name, {}]));
  for (const [k, n] of sizes.entries()) {
    for (const rt of rotate(runtimes, k)) {
      const cli = new Cli(rt, path.join(tmp, `scale-${rt.name}-${n}`), env);
      try {
        const ids = Array.from({ length: n }, (_, i) => `s${i}`);
        const t0 = nowMs();
        for (const id of ids) cli.must(['create', '--bundle', bundles.trueBundle, '--pid-file', path.join(cli.root, `${id}.pid`), id]);
        const t1 = nowMs();
        for (const id of ids) cli.must(['start', id]);
        for (const id of ids) waitExited(readPid(path.join(cli.root, `${id}.pid`)));
        for (const id of ids) cli.must(['delete', id]);
        const t2 = nowMs();
        out[rt.name][n] = { create: (t1 - t0) / n, total: (t2 - t0) / n };
      } finally {
        removeAll(cli);
        cli.close();
      }
    }
  }
  return out;
}
