#!/usr/bin/env node
// Runs project tests (or a command) in the cgroup v2 test VM; see test/vm/README.md.
// The harness is TypeScript (vitest imports it too); esbuild, already a dev dependency,
// bundles it in memory for this plain Node entry point.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const esbuild = await import('esbuild');
const built = await esbuild.build({
  entryPoints: [path.join(here, 'cli.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  write: false,
  logLevel: 'warning',
  define: { __dirname: JSON.stringify(here) },
});
const mod = { exports: {} };
new Function('module', 'exports', 'require', built.outputFiles[0].text)(mod, mod.exports, (await import('node:module')).createRequire(import.meta.url));
process.exitCode = await mod.exports.main(process.argv.slice(2));
