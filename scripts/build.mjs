// Build: generate the config validator as code, compile TypeScript, and write the
// bin/ocirt launcher. Run by `npm ci` (prepare) and `npm run build`.
import { execFileSync } from 'node:child_process';
import { createRequire as makeRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => {
  try {
    execFileSync(cmd, args, { cwd: top, stdio: 'inherit' });
  } catch {
    console.error(`build failed: ${path.basename(args[0])}`);
    process.exit(1);
  }
};

run(process.execPath, [path.join(top, 'scripts/gen-validator.mjs')]);
run(process.execPath, [path.join(top, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);

const generated = path.join(top, 'src/spec/generated');
const out = path.join(top, 'dist/spec/generated');
fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(generated)) if (f.endsWith('.js')) fs.copyFileSync(path.join(generated, f), path.join(out, f));

// The CLI runs from bundles: one small entry, and one file per verb with everything
// it needs, so a call reads two files instead of dozens (module loading was ~30 ms of
// every `create`). Verbs stay separate so `state` never loads what `create` needs.
const esbuild = await import('esbuild');

const verbs = fs.readdirSync(path.join(top, 'src/cli/commands')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
// `--version`'s commit: line (runc prints one and Docker shows it); "unknown" outside a git checkout.
let commit = 'unknown';
try {
  commit = execFileSync('git', ['describe', '--tags', '--always', '--dirty'], { cwd: top, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || commit;
} catch {
  // a tarball, or no git
}
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  external: ['commander'],
  define: { OCIRT_COMMIT: JSON.stringify(commit) },
};
await esbuild.build({ ...common, entryPoints: [path.join(top, 'src/cli/main.ts')], outfile: path.join(top, 'dist/bundle/main.js'), external: ['./commands/*', './help', 'commander'] });
// --version for ocirt-fast (beside main.js, where the launcher points it), from the one
// definition in src/cli/registry.ts as tsc compiled it.
const { versionText } = makeRequire(import.meta.url)(path.join(top, 'dist/cli/registry.js'));
fs.writeFileSync(path.join(top, 'dist/bundle/version.txt'), versionText(commit));
await esbuild.build({ ...common, entryPoints: [path.join(top, 'src/cli/help.ts')], outfile: path.join(top, 'dist/bundle/help.js'), external: ['./commands/*', 'commander'] });
await esbuild.build({ ...common, entryPoints: verbs.map((v) => path.join(top, 'src/cli/commands', `${v}.ts`)), outdir: path.join(top, 'dist/bundle/commands') });

// `import * as fs from 'node:fs'` becomes __toESM(require("node:fs")) in a bundle, which
// copies every property of the module into a fresh object, once per importing file: 65
// times in create's bundle, ~19 ms of every create here. A builtin's module object
// already is what the namespace import is used as (no code reads its `default`).
const BUILTIN_INTEROP = /__toESM\(require\("(node:[a-z_/]+)"\)\)/g;
for (const dir of [path.join(top, 'dist/bundle'), path.join(top, 'dist/bundle/commands')]) {
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    const file = path.join(dir, f);
    const source = fs.readFileSync(file, 'utf8');
    const plain = source.replace(BUILTIN_INTEROP, 'require("$1")');
    if (plain !== source) fs.writeFileSync(file, plain);
  }
}

// V8 code caches for the verb bundles (see src/cli/cached-require.ts). Made with this
// Node; another Node version rejects them and falls back to compiling the source.
const vm = await import('node:vm');
const { createRequire } = await import('node:module');
const bundleDir = path.join(top, 'dist/bundle/commands');
for (const f of fs.readdirSync(bundleDir).filter((f) => f.endsWith('.js'))) {
  const file = path.join(bundleDir, f);
  const source = fs.readFileSync(file, 'utf8');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, { filename: file });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, bundleDir);
  mod.exports.warmUp?.();
  fs.writeFileSync(`${file}.cache`, script.createCachedData());
}

// bin/ocirt, the launcher (also written by `install`, for where the package is installed).
run(process.execPath, [path.join(top, 'scripts/launcher.mjs')]);
