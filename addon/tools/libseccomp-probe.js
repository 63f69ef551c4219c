// Used by binding.gyp: finds libseccomp for ocirt.node (seccomp filters are compiled in
// the Node process). `node libseccomp-probe.js` prints 1 when <seccomp.h> compiles and
// 0 otherwise; `--cflags` and `--libs` print the flags (pkg-config's, or -lseccomp).
// OCIRT_LIBSECCOMP=0 builds without it (a config with linux.seccomp is then refused
// with a clear error), as on a host without libseccomp-dev.
'use strict';
const { spawnSync } = require('node:child_process');

function pkgConfig(what) {
  const r = spawnSync('pkg-config', [what, 'libseccomp'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function headerCompiles(cflags) {
  const cc = process.env.CC || 'cc';
  const args = [...cflags.split(/\s+/).filter(Boolean), '-E', '-x', 'c', '-'];
  const r = spawnSync(cc, args, { input: '#include <seccomp.h>\n', encoding: 'utf8' });
  return r.status === 0;
}

const mode = process.argv[2] || '--found';
const cflags = pkgConfig('--cflags') ?? '';
if (mode === '--cflags') {
  process.stdout.write(cflags);
} else if (mode === '--libs') {
  process.stdout.write(pkgConfig('--libs') || '-lseccomp');
} else {
  const disabled = process.env.OCIRT_LIBSECCOMP === '0';
  process.stdout.write(!disabled && headerCompiles(cflags) ? '1' : '0');
}
