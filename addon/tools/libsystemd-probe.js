// Used by binding.gyp: finds libsystemd's sd-bus for ocirt.node (the systemd cgroup
// driver talks to systemd over D-Bus from the Node process). `node libsystemd-probe.js`
// prints 1 when <systemd/sd-bus.h> compiles and 0 otherwise; `--cflags` and `--libs`
// print the flags (pkg-config's, or -lsystemd). OCIRT_LIBSYSTEMD=0 builds without it
// (the systemd cgroup driver then refuses with a clear error), as on a host without
// libsystemd-dev.
'use strict';
const { spawnSync } = require('node:child_process');

function pkgConfig(what) {
  const r = spawnSync('pkg-config', [what, 'libsystemd'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function headerCompiles(cflags) {
  const cc = process.env.CC || 'cc';
  const args = [...cflags.split(/\s+/).filter(Boolean), '-E', '-x', 'c', '-'];
  const r = spawnSync(cc, args, { input: '#include <systemd/sd-bus.h>\n', encoding: 'utf8' });
  return r.status === 0;
}

const mode = process.argv[2] || '--found';
const cflags = pkgConfig('--cflags') ?? '';
if (mode === '--cflags') {
  process.stdout.write(cflags);
} else if (mode === '--libs') {
  process.stdout.write(pkgConfig('--libs') || '-lsystemd');
} else {
  const disabled = process.env.OCIRT_LIBSYSTEMD === '0';
  process.stdout.write(!disabled && headerCompiles(cflags) ? '1' : '0');
}
