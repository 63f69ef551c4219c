// Writes bin/ocirt, the CLI's launcher, for this package directory and this Node. Run by
// the build and by `install` (a package installed from its tarball lives elsewhere than
// where it was built): it needs nothing but Node, no devDependency.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Engines call the runtime with almost no environment (no PATH): the launcher names
// node by absolute path. It drops NODE_OPTIONS (a caller's flags must not change the
// runtime) and NODE_EXTRA_CA_CERTS (ocirt makes no TLS connections; Node 20 would
// spend ~40 ms loading it on every call). The hot verbs go through ocirt-fast, which
// does their ordinary case natively and hands everything else to Node
// (addon/src/fast/fast.h).
const fast = path.join(top, 'addon/build/Release/ocirt-fast');
const nodeMain = `'${process.execPath}' '${path.join(top, 'dist/bundle/main.js')}'`;
const launcher = `#!/bin/sh
unset NODE_OPTIONS NODE_EXTRA_CA_CERTS
case "$*" in
  *state*|*start*|*kill*|*delete*|*exec*|*features*|--version|-v) exec '${fast}' ${nodeMain} "$@" ;;
esac
exec ${nodeMain} "$@"
`;
fs.mkdirSync(path.join(top, 'bin'), { recursive: true });
fs.writeFileSync(path.join(top, 'bin/ocirt'), launcher, { mode: 0o755 });
fs.chmodSync(path.join(top, 'bin/ocirt'), 0o755);
console.log(`built: ${path.join(top, 'bin/ocirt')}`);
