/**
 * `npm run bench` still runs: one iteration of every default row (--quick), every row
 * printed with a figure for every runtime benched. No timing is asserted.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binaries, describeNeeds, host } from '../helpers/host-capabilities';

const BENCH = path.resolve(__dirname, '../../bench/run.mjs');

function bench(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [BENCH, ...args], { encoding: 'utf8', timeout: 150_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeNeeds(host.root, binaries('runc'))('npm run bench', () => {
  it('runs every default row once (--quick) and prints a figure for each runtime', () => {
    // A temporary directory of its own, to see that the bench leaves nothing in it.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-test-'));
    const json = path.join(tmp, 'out.json');
    const r = bench(['--quick', '--iterations', '1', '--json', json], { ...process.env, TMPDIR: tmp });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const results = JSON.parse(fs.readFileSync(json, 'utf8'));
    const left = fs.readdirSync(tmp);
    fs.rmSync(tmp, { recursive: true });
    expect(left).toEqual(['out.json']);
    const runtimes = Object.keys(results.runtimes);
    expect(runtimes).toEqual(expect.arrayContaining(['ocirt', 'runc']));
    for (const label of ['`run` of /bin/true', 'create + start + delete', '`exec` of /bin/true', '`state`', '`kill` KILL', '`delete` (stopped)', '`--version`', '`delete --force` (already deleted)', '`node -e 0`', 'ocirt library: runContainer']) {
      expect(r.stdout).toContain(label);
    }
    for (const row of ['run', 'cycle', 'create', 'start', 'delete', 'exec', 'state', 'kill', 'version', 'deleteGone']) {
      for (const rt of runtimes) expect(results.verbs[row][rt], `${row} ${rt}`).toEqual([expect.any(Number)]);
    }
    expect(results.library.library.wall).toBeGreaterThan(0);
    for (const rt of runtimes) expect(results.library.cli[rt], `run × N ${rt}`).toBeGreaterThan(0);
  }, 160_000);
});

describe('npm run bench input', () => {
  it('refuses an unknown flag in one line, without running anything', () => {
    const r = bench(['--fast']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bench: unknown flag --fast\nusage: /);
    expect(r.stdout).toBe('');
  });

  it('refuses --iterations that is not a whole number', () => {
    const r = bench(['--iterations', 'many']);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('bench: --iterations: a whole number of at least 1 is needed, not many');
  });
});
