// NOTIFY_SOCKET pass-through for an ordinary user (a systemd --user Type=notify unit):
// the notify directory under $XDG_RUNTIME_DIR/ocirt/<id>/ is mounted in the container's
// own user namespace, its READY=1 reaches the user's socket.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSdSend, type NotifyListener, startListener } from '../helpers/notify-tools';
import { RootlessUser, rootlessUnavailable } from '../helpers/rootless-user';

const skip = rootlessUnavailable();

describe.skipIf(skip !== undefined)(`rootless NOTIFY_SOCKET${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let user: RootlessUser;
  let listener: NotifyListener;

  beforeAll(() => {
    user = RootlessUser.create();
    listener = startListener(user.dir('ocirt-rl-notify-'));
  });

  afterAll(() => {
    listener?.stop();
    user?.remove();
  });

  it('run -d returns after the container\'s READY=1, which the user\'s socket gets with MAINPID', () => {
    const b = user.bundle(['sh', '-c', 'sd-send READY=1; exec sleep 1000'], (_spec, rootfs) => installSdSend(rootfs));
    const r = user.ocirt(['run', '-d', '-b', b.dir, 'rl-notify'], { env: { NOTIFY_SOCKET: listener.socket } });
    expect(r.status, r.stderr).toBe(0);
    const state = user.ocirt(['state', 'rl-notify']);
    const { pid } = JSON.parse(state.stdout) as { pid: number };
    expect(listener.lines()).toEqual(['READY=1\\n', `MAINPID=${pid}\\n`, 'BARRIER=1 +fd']);
    expect(fs.existsSync(path.join(user.stateRoot, 'rl-notify', 'notify', 'notify.sock'))).toBe(true);
    expect(user.ocirt(['delete', '--force', 'rl-notify']).status).toBe(0);
  });
});
