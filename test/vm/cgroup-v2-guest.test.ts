// The cgroup v2 suite, for real: test/vm-guest/cgroup-v2*.test.ts run inside the test
// VM (cgroup v2 alone at /sys/fs/cgroup, every controller, no systemd), and each guest
// test shows up here as a host test.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defineGuestSuite } from './guest-suite';
import { PROJECT_DIR } from './run-vm';

// Guest files that need the VM for something else than cgroup v2 (root with every
// capability, the kernel's default limits; a kernel Debian's criu runs on) and run in
// the same boot.
const ALSO = ['rlimits-userns.test.ts', 'criu-checkpoint.test.ts'];

const files = fs
  .readdirSync(path.join(PROJECT_DIR, 'test/vm-guest'))
  .filter((f) => /^cgroup-v2.*\.test\.ts$/.test(f) || ALSO.includes(f))
  .map((f) => `test/vm-guest/${f}`);

await defineGuestSuite('cgroup v2 in a VM (cgroupfs driver)', files, { timeoutSec: 1200 });
