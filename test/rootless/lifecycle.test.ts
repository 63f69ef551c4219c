// ocirt run by an ordinary user: `spec --rootless`, run, the full lifecycle and exec,
// state under $XDG_RUNTIME_DIR/ocirt, cgroups skipped with a note when none is delegated.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userReachableOcirt } from '../helpers/user-runtime';
import { RootlessUser, rootlessUnavailable } from '../helpers/rootless-user';
import { host, itNeeds } from '../helpers/host-capabilities';

const skip = rootlessUnavailable();

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

function normalizedMap(text: string): string[] {
  return lines(text).map((l) => l.trim().split(/\s+/).join(' '));
}

describe.skipIf(skip !== undefined)(`rootless lifecycle${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let user: RootlessUser;

  beforeAll(() => {
    user = RootlessUser.create();
  });

  afterAll(() => {
    user?.remove();
  });

  it('`ocirt spec --rootless` writes a config that `ocirt run` runs as the user', () => {
    const b = user.bundle();
    fs.rmSync(path.join(b.dir, 'config.json'));
    const spec = user.ocirt(['spec', '--rootless'], { cwd: b.dir });
    expect(spec.status, spec.stderr).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(b.dir, 'config.json'), 'utf8'));
    expect(config.linux.uidMappings).toEqual([{ containerID: 0, hostID: user.uid, size: 1 }]);
    expect(config.linux.gidMappings).toEqual([{ containerID: 0, hostID: user.gid, size: 1 }]);
    expect(config.linux.namespaces.map((n: { type: string }) => n.type)).toContain('user');
    expect(config.linux.namespaces.map((n: { type: string }) => n.type)).not.toContain('network');
    // The command as written, without a terminal.
    config.process.terminal = false;
    config.process.args = ['sh', '-c', 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; stat -c %u:%g /bin/busybox'];
    fs.writeFileSync(path.join(b.dir, 'config.json'), JSON.stringify(config));

    const r = user.ocirt(['run', 'spec-run'], { cwd: b.dir });
    expect(r.status, r.stderr).toBe(0);
    const out = normalizedMap(r.stdout);
    expect(out).toEqual(['0', '0', `0 ${user.uid} 1`, `0 ${user.gid} 1`, '0:0']);
    expect(fs.existsSync(path.join(user.stateRoot, 'spec-run'))).toBe(false);
  });

  it('on this host no cgroup is delegated: cgroups are skipped with a note, the container stays in the caller\'s', () => {
    const b = user.bundle(['cat', '/proc/self/cgroup']);
    const r = user.ocirt(['run', '-b', b.dir, 'cg-skip']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^ocirt: warning: cgroups skipped \(rootless\): uid \d+ .* cannot create \/sys\/fs\/cgroup\/.*cg-skip/);
    expect(r.stderr).toContain('/linux/cgroupsPath');
    // The caller (setpriv, a child of this test) is where this test process is.
    const own = fs.readFileSync('/proc/self/cgroup', 'utf8');
    const inside = r.stdout;
    const memory = (t: string) => lines(t).find((l) => /^\d+:memory:/.test(l));
    expect(memory(inside)).toBe(memory(own));
  });

  it('--rootless=false insists on cgroups: the user cannot create them', () => {
    const b = user.bundle();
    const r = user.ocirt(['--rootless=false', 'run', '-b', b.dir, 'cg-false']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/create cgroup .*cg-false: EACCES/);
    expect(fs.existsSync(path.join(user.stateRoot, 'cg-false'))).toBe(false);
  });

  it('create, state (owner is the user), start, exec, kill, delete; state lives in $XDG_RUNTIME_DIR/ocirt', () => {
    const b = user.bundle(['sleep', '1000']);
    const created = user.ocirt(['create', '-b', b.dir, 'life']);
    expect(created.status, created.stderr).toBe(0);
    const dir = path.join(user.stateRoot, 'life');
    expect(fs.statSync(dir).uid).toBe(user.uid);
    expect(fs.existsSync(path.join(dir, 'state.json'))).toBe(true);

    const state = JSON.parse(user.ocirt(['state', 'life']).stdout);
    expect(state.status).toBe('created');
    expect(state.owner).toBe(user.name);
    expect(state.pid).toBeGreaterThan(0);
    // The init is the user's own process on the host.
    expect(fs.statSync(`/proc/${state.pid}`).uid).toBe(user.uid);

    // Its waiting init must stay non-dumpable, so only root could enter it before start.
    const early = user.ocirt(['exec', 'life', 'true']);
    expect(early.status).not.toBe(0);
    expect(early.stderr).toBe('ocirt: exec life: cannot exec in a rootless container before it is started: start it first\n');

    expect(user.ocirt(['start', 'life']).status).toBe(0);
    expect(JSON.parse(user.ocirt(['state', 'life']).stdout).status).toBe('running');

    const e = user.ocirt(['exec', 'life', 'sh', '-c', 'id -u; cat /proc/1/cmdline | tr "\\0" " "; echo; cat /proc/self/uid_map']);
    expect(e.status, e.stderr).toBe(0);
    expect(normalizedMap(e.stdout)).toEqual(['0', 'sleep 1000', `0 ${user.uid} 1`]);
    expect(user.ocirt(['exec', 'life', 'sh', '-c', 'exit 7']).status).toBe(7);

    const list = user.ocirt(['list', '--format', 'json']);
    expect(JSON.parse(list.stdout).map((c: { id: string; owner: string }) => [c.id, c.owner])).toEqual([['life', user.name]]);

    expect(user.ocirt(['kill', 'life', 'KILL']).status).toBe(0);
    let status = '';
    for (let i = 0; i < 200 && status !== 'stopped'; i++) {
      status = JSON.parse(user.ocirt(['state', 'life']).stdout).status;
    }
    expect(status).toBe('stopped');
    expect(user.ocirt(['delete', 'life']).status).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('run -d and delete --force of a running container', () => {
    const b = user.bundle(['sleep', '1000']);
    const r = user.ocirt(['run', '-d', '-b', b.dir, 'detached']);
    expect(r.status, r.stderr).toBe(0);
    const pid = JSON.parse(user.ocirt(['state', 'detached']).stdout).pid;
    expect(fs.existsSync(`/proc/${pid}`)).toBe(true);
    expect(user.ocirt(['delete', '--force', 'detached']).status).toBe(0);
    expect(user.ocirt(['state', 'detached']).status).not.toBe(0);
  });

  itNeeds(host.script)('with a terminal: the pty comes from the container\'s own devpts', () => {
    const b = user.bundle(['sh', '-c', 'echo "$(tty) $(ls -l /dev/console | cut -c1) $(id -u)"'], (s) => {
      s.process!.terminal = true;
    });
    // script(1) gives the foreground run a terminal to proxy
    const r = user.run('/usr/bin/script', ['-qec', `${userReachableOcirt()} run -b ${b.dir} tty`, '/dev/null']);
    expect(r.status, r.stdout).toBe(0);
    // (script may echo the end of its empty stdin into the terminal, as ^@, at any moment)
    expect(r.stdout.replace(/\r|\^@/g, '')).toMatch(/\n\/dev\/pts\/0 c 0\n$/);
  });

  it('the foreground run forwards the exit status', () => {
    const b = user.bundle(['sh', '-c', 'exit 42']);
    expect(user.ocirt(['run', '-b', b.dir, 'status']).status).toBe(42);
  });

  it('the runtime runs as the user from a sealed memfd copy of ocirt-init', () => {
    const b = user.bundle(['sleep', '1000']);
    expect(user.ocirt(['create', '-b', b.dir, 'memfd']).status).toBe(0);
    const pid = JSON.parse(user.ocirt(['state', 'memfd']).stdout).pid;
    expect(fs.readlinkSync(`/proc/${pid}/exe`)).toMatch(/^\/memfd:ocirt-init/);
    expect(fs.statSync(`/proc/${pid}`).uid).toBe(user.uid);
    expect(user.ocirt(['delete', '--force', 'memfd']).status).toBe(0);
  });

  it('leaves nothing behind in its state root', () => {
    expect(fs.existsSync(user.stateRoot) ? fs.readdirSync(user.stateRoot) : []).toEqual([]);
    expect(fs.existsSync(userReachableOcirt())).toBe(true);
  });
});
