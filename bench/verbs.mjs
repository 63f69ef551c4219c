// One call of each verb, side by side: every iteration runs every runtime once, the
// runtimes taking turns at going first, after one untimed warm-up round.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Cli, readPid, rotate, timeMs, waitExited } from './util.mjs';

export const VERB_ROWS = [
  ['run', '`run` of /bin/true'],
  ['runCa', '`run` of /bin/true, NODE_EXTRA_CA_CERTS set'],
  ['cycle', 'create + start + delete (/bin/true)'],
  ['create', '  of which `create`'],
  ['start', '  of which `start`'],
  ['delete', '  of which `delete` (stopped)'],
  ['exec', '`exec` of /bin/true (running container)'],
  ['state', '`state` (running container)'],
  ['kill', '`kill` KILL (running container)'],
  ['version', '`--version`'],
  ['deleteGone', '`delete --force` (already deleted)'],
  ['wrapper', 'the private-mount wrapper alone (exec of /bin/true)'],
];

export const NODE_ROWS = [
  ['node', '`node -e 0`'],
  ['nodeCa', '`node -e 0`, NODE_EXTRA_CA_CERTS set'],
];

/**
 * Medians are taken by the caller from the samples returned:
 * { verbs: { row: { runtime: ms[] } }, node: { row: ms[] } }.
 */
export function benchVerbs({ runtimes, bundles, tmp, env, caCerts, iterations, warmUp = true }) {
  const verbs = Object.fromEntries(VERB_ROWS.map(([k]) => [k, Object.fromEntries(runtimes.map((r) => [r.name, []]))]));
  const node = { node: [], nodeCa: [] };
  const clis = new Map(runtimes.map((rt) => [rt.name, new Cli(rt, path.join(tmp, `verbs-${rt.name}`), env)]));
  const { trueBundle, sleepBundle } = bundles;
  try {
    // The long-running container exec and state are measured against.
    for (const cli of clis.values()) {
      cli.must(['create', '--bundle', sleepBundle, 'svc']);
      cli.must(['start', 'svc']);
    }
    for (let i = warmUp ? -1 : 0; i < iterations; i++) {
      const keep = i >= 0; // iteration -1 is the warm-up
      const add = (row, rt, ms) => keep && verbs[row][rt.name].push(ms);
      for (const rt of rotate(runtimes, Math.max(i, 0))) {
        const cli = clis.get(rt.name);
        const id = (p) => `${p}${i + 1}`;
        add('run', rt, cli.timed(['run', '--bundle', trueBundle, id('r')]));
        if (caCerts && rt.name === 'ocirt') {
          const withCa = new Cli(rt, cli.root, { ...env, NODE_EXTRA_CA_CERTS: caCerts });
          add('runCa', rt, withCa.timed(['run', '--bundle', trueBundle, id('ca')]));
          withCa.close();
        }

        const pidFile = path.join(cli.root, `${id('c')}.pid`);
        const cycle = timeMs(() => {
          add('create', rt, cli.timed(['create', '--bundle', trueBundle, '--pid-file', pidFile, id('c')]));
          add('start', rt, cli.timed(['start', id('c')]));
          // Waiting through /proc, not the runtime's `state`, so no runtime pays for polling.
          waitExited(readPid(pidFile));
          add('delete', rt, cli.timed(['delete', id('c')]));
        });
        add('cycle', rt, cycle);

        add('exec', rt, cli.timed(['exec', 'svc', '/bin/true']));
        add('state', rt, cli.timed(['state', 'svc']));

        const killPid = path.join(cli.root, `${id('k')}.pid`);
        cli.must(['create', '--bundle', sleepBundle, '--pid-file', killPid, id('k')]);
        cli.must(['start', id('k')]);
        add('kill', rt, cli.timed(['kill', id('k'), 'KILL']));
        waitExited(readPid(killPid));
        cli.must(['delete', id('k')]);

        add('version', rt, timeMs(() => {
          const r = spawnSync(rt.argv[0], [...rt.argv.slice(1), '--version'], { env, stdio: 'ignore' });
          if (r.status !== 0) throw new Error(`${rt.name} --version failed (status ${r.status})`);
        }));
        add('deleteGone', rt, cli.timed(['delete', '--force', id('c')]));
        if (rt.wrapperAlone) {
          add('wrapper', rt, timeMs(() => {
            const r = spawnSync(rt.wrapperAlone[0], rt.wrapperAlone.slice(1), { env, stdio: 'ignore' });
            if (r.status !== 0) throw new Error(`${rt.name}'s wrapper failed (status ${r.status})`);
          }));
        }
      }
      const nodeRun = (e) => timeMs(() => spawnSync(process.execPath, ['-e', '0'], { env: e, stdio: 'ignore' }));
      const [a, b] = i % 2 ? [false, true] : [true, false];
      for (const withCa of [a, b]) {
        if (withCa && !caCerts) continue;
        const ms = nodeRun(withCa ? { ...env, NODE_EXTRA_CA_CERTS: caCerts } : env);
        if (keep) node[withCa ? 'nodeCa' : 'node'].push(ms);
      }
    }
  } finally {
    for (const cli of clis.values()) {
      removeAll(cli);
      cli.close();
    }
  }
  return { verbs, node };
}

/** Whatever a failed run left under this runtime's root. */
export function removeAll(cli) {
  const r = cli.call(['list', '-q']);
  if (r.status !== 0) return;
  for (const id of r.output.split('\n').map((s) => s.trim()).filter(Boolean)) cli.call(['delete', '--force', id]);
}
