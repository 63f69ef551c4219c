// A podman with everything private to one temp dir (storage, run root, containers.conf,
// events file) and a busybox image loaded from an OCI archive made on the spot; the
// runtimes under test (ocirt, runc when installed) are named in [engine.runtimes].
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { run, runtimesUnderTest, which } from './engines';
import { buildOciArchive } from './oci-image';

export interface PrivatePodman {
  env: NodeJS.ProcessEnv;
  /** podman's global flags for this private set-up (before the subcommand). */
  globals: string[];
}

export function setUpPrivatePodman(dir: string, image: string, cgroupManager: 'cgroupfs' | 'systemd', timeoutMs?: number): PrivatePodman {
  const runtimes = runtimesUnderTest();
  // This sandbox lacks CAP_SYS_RESOURCE: podman's default ulimits would be raised above
  // the hard limits, which no runtime may do. Engines log as JSON only for the runtimes
  // listed in runtime_supports_json.
  const conf = [
    '[containers]',
    'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]',
    '[engine]',
    `cgroup_manager = "${cgroupManager}"`,
    'events_logger = "file"',
    `events_logfile_path = "${path.join(dir, 'events.log')}"`,
    `runtime_supports_json = [${runtimes.map((r) => `"${r.name}"`).join(', ')}]`,
    '[engine.runtimes]',
    ...runtimes.map((r) => `${r.name} = ["${r.path}"]`),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'containers.conf'), conf);
  const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', CONTAINERS_CONF: path.join(dir, 'containers.conf'), HOME: dir };
  const globals = [
    '--root', path.join(dir, 'root'),
    '--runroot', path.join(dir, 'runroot'),
    '--tmpdir', path.join(dir, 'tmp'),
    '--storage-driver', 'vfs',
    '--cgroup-manager', cgroupManager,
    '--events-backend', 'file',
  ];
  const archive = buildOciArchive(dir, image);
  const loaded = run(which('podman')!, [...globals, 'load', '-i', archive.file], { env, timeoutMs });
  expect(loaded.status, loaded.stderr).toBe(0);
  return { env, globals };
}
