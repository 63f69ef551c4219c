// The systemd cgroup driver, for real: test/vm-guest/systemd*.test.ts run inside the
// test VM booted with systemd as PID 1 (transient scopes over D-Bus, podman with
// --cgroup-manager systemd, containerd with SystemdCgroup), and each guest test shows up here as a host test.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defineGuestSuite } from './guest-suite';
import { PROJECT_DIR } from './run-vm';

const files = fs
  .readdirSync(path.join(PROJECT_DIR, 'test/vm-guest'))
  .filter((f) => /^systemd.*\.test\.ts$/.test(f))
  .map((f) => `test/vm-guest/${f}`);

await defineGuestSuite('systemd as PID 1 in a VM (systemd cgroup driver, podman, containerd)', files, { systemd: true, timeoutSec: 1800 });
