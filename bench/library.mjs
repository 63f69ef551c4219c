// The in-process library row: `count` containers run through runContainer from one
// Node program, `parallel` at a time, against `count` CLI `run`s (ocirt, runc, crun)
// `parallel` at a time.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { top } from './runtimes.mjs';
import { Cli, nowMs, pool, spawnAsync } from './util.mjs';
import { removeAll } from './verbs.mjs';

const program = path.join(path.dirname(fileURLToPath(import.meta.url)), 'library-program.mjs');

/** { library: {wall, inProgram}, cli: { runtime: ms } }: total ms for all `count`. */
export async function benchLibrary({ runtimes, bundles, tmp, env, count, parallel }) {
  const out = { cli: {} };
  const ocirt = runtimes.find((r) => r.name === 'ocirt');
  const libCli = new Cli(ocirt, path.join(tmp, 'lib-ocirt'), env);
  try {
    const t = nowMs();
    const r = spawnSync(process.execPath, [program, path.join(top, 'dist/index.js'), libCli.root, bundles.trueBundle, String(count), String(parallel)], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const wall = nowMs() - t;
    const last = r.stdout.trim().split('\n').pop() ?? '';
    let report;
    try {
      report = JSON.parse(last);
    } catch {
      throw new Error(`library program failed (status ${r.status}): ${r.stderr.trim() || last}`);
    }
    if (report.failed) throw new Error(`library program: ${report.failed} of ${count} containers failed; first: ${report.firstError}`);
    out.library = { wall, inProgram: report.ms };
  } finally {
    removeAll(libCli);
    libCli.close();
  }
  for (const rt of runtimes) {
    const cli = new Cli(rt, path.join(tmp, `librun-${rt.name}`), env);
    const fds = Array.from({ length: parallel }, (_, s) => fs.openSync(path.join(cli.root, `.slot${s}`), 'a'));
    try {
      const t = nowMs();
      await pool(count, parallel, (i, slot) =>
        spawnAsync([rt.argv[0], ...cli.argv(['run', '--bundle', bundles.trueBundle, `run${i}`])], { env, fd: fds[slot], what: `${rt.name} run run${i}` }),
      );
      out.cli[rt.name] = nowMs() - t;
    } finally {
      fds.forEach((fd) => fs.closeSync(fd));
      removeAll(cli);
      cli.close();
    }
  }
  return out;
}
