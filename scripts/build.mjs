// Build: generate the config validator as code, compile TypeScript, and write the
// bin/ocirt launcher. Run by `npm ci` (prepare) and `npm run build`.
import { execFileSync } from 'node:child_process';
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

// Engines call the runtime with almost no environment (no PATH): the launcher names
// node by absolute path. It drops NODE_OPTIONS (a caller's flags must not change the
// runtime) and NODE_EXTRA_CA_CERTS (ocirt makes no TLS connections; Node 20 would
// spend ~40 ms loading it on every call).
const launcher = `#!/bin/sh
unset NODE_OPTIONS NODE_EXTRA_CA_CERTS
exec '${process.execPath}' '${path.join(top, 'dist/cli/main.js')}' "$@"
`;
fs.mkdirSync(path.join(top, 'bin'), { recursive: true });
fs.writeFileSync(path.join(top, 'bin/ocirt'), launcher, { mode: 0o755 });
console.log(`built: ${path.join(top, 'bin/ocirt')}`);
