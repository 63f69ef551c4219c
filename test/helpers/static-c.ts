/**
 * The tests' small C programs, compiled once per test process with the host's gcc
 * (build-essential, which node-gyp needs anyway) and linked statically, so that they run
 * in a busybox rootfs as well as on the host.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let dir: string | undefined;
const built = new Map<string, string>();

/** Path of the program `name` built from `source` (compiled on first use). */
export function staticProgram(name: string, source: string): string {
  const done = built.get(name);
  if (done) return done;
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-test-programs-'));
  const src = path.join(dir, `${name}.c`);
  fs.writeFileSync(src, source);
  const out = path.join(dir, name);
  execFileSync('gcc', ['-static', '-O2', '-o', out, src], { stdio: ['ignore', 'ignore', 'pipe'] });
  built.set(name, out);
  return out;
}
