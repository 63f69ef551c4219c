// Used by binding.gyp: finds an optional system library for ocirt.node.
//   node library-probe.js LIB            prints 1 when LIB's header compiles, else 0
//   node library-probe.js LIB --cflags   pkg-config's cflags (or nothing)
//   node library-probe.js LIB --libs     pkg-config's libs (or -l<name>)
// LIB is one of:
//   libseccomp  <seccomp.h>: seccomp filters compiled in the Node process; without it a
//               config with linux.seccomp is refused with a clear error.
//   libsystemd  <systemd/sd-bus.h>: the systemd cgroup driver's D-Bus calls; without it
//               that driver refuses with a clear error.
// OCIRT_LIBSECCOMP=0 / OCIRT_LIBSYSTEMD=0 build without it, as on a host without the -dev
// package.
'use strict';
const { spawnSync } = require('node:child_process');

const LIBRARIES = {
  libseccomp: { header: 'seccomp.h', link: '-lseccomp', off: 'OCIRT_LIBSECCOMP' },
  libsystemd: { header: 'systemd/sd-bus.h', link: '-lsystemd', off: 'OCIRT_LIBSYSTEMD' },
};

const name = process.argv[2];
const lib = LIBRARIES[name];
if (!lib) {
  process.stderr.write(`library-probe.js: unknown library ${JSON.stringify(name)} (one of ${Object.keys(LIBRARIES).join(', ')})\n`);
  process.exit(2);
}

function pkgConfig(what) {
  const r = spawnSync('pkg-config', [what, name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function headerCompiles(cflags) {
  const cc = process.env.CC || 'cc';
  const args = [...cflags.split(/\s+/).filter(Boolean), '-E', '-x', 'c', '-'];
  const r = spawnSync(cc, args, { input: `#include <${lib.header}>\n`, encoding: 'utf8' });
  return r.status === 0;
}

const mode = process.argv[3] || '--found';
const cflags = pkgConfig('--cflags') ?? '';
if (mode === '--cflags') {
  process.stdout.write(cflags);
} else if (mode === '--libs') {
  process.stdout.write(pkgConfig('--libs') || lib.link);
} else {
  const disabled = process.env[lib.off] === '0';
  process.stdout.write(!disabled && headerCompiles(cflags) ? '1' : '0');
}
