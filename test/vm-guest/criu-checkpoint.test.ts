// checkpoint and restore with CRIU, for real: the test VM's Debian 6.1 kernel runs the
// host's criu (which cannot run on the development host's kernel). Containers run a
// counter in a bind-mounted directory, so what a restored process does is visible
// from outside.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestScope, stateOf } from '../helpers/containers';
import { requireV2Guest } from './cgroup-v2-helpers';
import { staticProgram } from '../helpers/static-c';
import { ConsoleListener, PtyClient } from '../integration/terminal-helpers';
import { COUNTER, count, dataBundle, HOLDER_C, loadCriuModules, ocirtPiped, sleep, until, type Piped } from './criu-helpers';

requireV2Guest();
const scope = new TestScope();
beforeAll(() => loadCriuModules());
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

function expectOk(r: { status: number | null; stderr: string }): void {
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

async function runDetached(id: string, bundle: string): Promise<void> {
  expectOk(ocirtPiped(scope.root, ['run', '-d', '--bundle', bundle, id]));
}

async function restoreDetached(id: string, bundle: string, images: string, extra: string[] = []): Promise<Piped> {
  return ocirtPiped(scope.root, ['restore', '-d', '--image-path', images, '--bundle', bundle, ...extra, id]);
}

describe('checkpoint and restore with CRIU (in the VM)', () => {
  it('a counter checkpointed stops and is deleted; restored, it goes on counting from where it was', async () => {
    const id = scope.id('ckpt');
    const b = dataBundle(scope, ['sh', '-c', COUNTER]);
    await runDetached(id, b.dir);
    expect(await until(() => count(b.data) >= 3)).toBe(true);
    const images = path.join(scope.scratch('ocirt-criu-img-'), 'images');
    expectOk(scope.ocirt(['checkpoint', '--image-path', images, id]));
    expect(fs.existsSync(path.join(images, 'inventory.img'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(images, 'descriptors.json'), 'utf8'))).toEqual([
      expect.stringMatching(/^pipe:\[\d+\]$/),
      expect.stringMatching(/^pipe:\[\d+\]$/),
      expect.stringMatching(/^pipe:\[\d+\]$/),
    ]);
    // gone: no state, and the counter no longer moves
    expect(scope.ocirt(['state', id]).stderr).toMatch(/does not exist/);
    const saved = count(b.data);
    await sleep(1500);
    expect(count(b.data)).toBe(saved);

    const r = await restoreDetached(id, b.dir, images, ['--pid-file', path.join(b.dir, 'pid')]);
    expectOk(r);
    const st = stateOf(scope.root, id);
    expect(st.status).toBe('running');
    expect(Number(fs.readFileSync(path.join(b.dir, 'pid'), 'utf8'))).toBe(st.pid);
    // the first value written after the restore follows the saved one (a new process would write 1, 2, ...)
    let first = saved;
    expect(await until(() => (first = count(b.data)) !== saved)).toBe(true);
    expect(first).toBeGreaterThan(saved);
    expect(await until(() => count(b.data) > saved + 2)).toBe(true);
    expectOk(scope.ocirt(['kill', id, 'KILL']));
    expect(await until(() => stateOf(scope.root, id).status === 'stopped')).toBe(true);
    expectOk(scope.ocirt(['delete', id]));
  });

  it('--leave-running: the container runs on; the image restores under another id', async () => {
    const id = scope.id('ckpt');
    const b = dataBundle(scope, ['sh', '-c', COUNTER]);
    await runDetached(id, b.dir);
    expect(await until(() => count(b.data) >= 2)).toBe(true);
    const images = path.join(scope.scratch('ocirt-criu-img-'), 'images');
    expectOk(scope.ocirt(['checkpoint', '--leave-running', '--image-path', images, id]));
    expect(stateOf(scope.root, id).status).toBe('running');
    const after = count(b.data);
    expect(await until(() => count(b.data) > after + 2)).toBe(true);
    expectOk(scope.ocirt(['delete', '--force', id]));

    const other = scope.id('restored');
    expectOk(await restoreDetached(other, b.dir, images));
    expect(stateOf(scope.root, other).status).toBe('running');
    expect(stateOf(scope.root, other).id).toBe(other);
    const back = count(b.data);
    expect(await until(() => count(b.data) > back + 2)).toBe(true);
    expectOk(scope.ocirt(['delete', '--force', other]));
  });

  it('--pre-dump, then a dump with --parent-path: the container runs after the pre-dump and restores from the pair', async () => {
    const id = scope.id('ckpt');
    const b = dataBundle(scope, ['sh', '-c', COUNTER]);
    await runDetached(id, b.dir);
    expect(await until(() => count(b.data) >= 2)).toBe(true);
    const base = scope.scratch('ocirt-criu-img-');
    expectOk(scope.ocirt(['checkpoint', '--pre-dump', '--image-path', path.join(base, 'pre'), id]));
    expect(stateOf(scope.root, id).status).toBe('running');
    expect(fs.readdirSync(path.join(base, 'pre')).some((f) => f.startsWith('pagemap-'))).toBe(true);
    expectOk(scope.ocirt(['checkpoint', '--image-path', path.join(base, 'final'), '--parent-path', '../pre', id]));
    expect(scope.ocirt(['state', id]).stderr).toMatch(/does not exist/);
    const saved = count(b.data);
    expectOk(await restoreDetached(id, b.dir, path.join(base, 'final')));
    expect(await until(() => count(b.data) > saved + 2)).toBe(true);
    expectOk(scope.ocirt(['delete', '--force', id]));
  });

  it('open files, a unix socket pair and a pty of its own come back as they were (file offset, data through both)', async () => {
    const id = scope.id('ckpt');
    const b = dataBundle(scope, ['/holder']);
    fs.copyFileSync(staticProgram('criu-holder', HOLDER_C), path.join(b.dir, 'rootfs/holder'));
    fs.chmodSync(path.join(b.dir, 'rootfs/holder'), 0o755);
    fs.writeFileSync(path.join(b.data, 'input'), '0123456789'.repeat(10_000));
    await runDetached(id, b.dir);
    expect(await until(() => count(b.data) >= 3)).toBe(true);
    const images = path.join(scope.scratch('ocirt-criu-img-'), 'images');
    expectOk(scope.ocirt(['checkpoint', '--image-path', images, id]));
    const saved = count(b.data);
    expectOk(await restoreDetached(id, b.dir, images));
    expect(await until(() => count(b.data) > saved + 3)).toBe(true);
    expect(fs.existsSync(path.join(b.data, 'status')) ? fs.readFileSync(path.join(b.data, 'status'), 'utf8') : 'no failure').toBe('no failure');
    expect(stateOf(scope.root, id).status).toBe('running');
    expectOk(scope.ocirt(['delete', '--force', id]));
  });

  it('a container with a terminal: checkpointed with its pty master outside, restored with a new one sent to --console-socket', async () => {
    const id = scope.id('ckpt');
    const b = dataBundle(scope, ['sh', '-c', 'while read line; do echo "got:$line"; done'], (s) => {
      s.process!.terminal = true;
    });
    const sockets = scope.scratch('ocirt-criu-console-');
    const listener = new ConsoleListener(sockets);
    let first: PtyClient | undefined;
    let second: PtyClient | undefined;
    try {
      expectOk(scope.ocirt(['run', '-d', '--console-socket', listener.path, '--bundle', b.dir, id]));
      first = new PtyClient(listener.receive().fd);
      first.write('before\n');
      await first.waitFor('got:before', 60_000);
      const images = path.join(scope.scratch('ocirt-criu-img-'), 'images');
      expectOk(scope.ocirt(['checkpoint', '--image-path', images, id]));
      first.close();
      first = undefined;
      // without a console socket the terminal has nowhere to go: refused, nothing made
      const refused = scope.ocirt(['restore', '-d', '--image-path', images, '--bundle', b.dir, id]);
      expect(refused.stderr).toBe(`ocirt: restore ${id}: the container has a terminal (process.terminal): restore needs --console-socket\n`);
      expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
      expectOk(scope.ocirt(['restore', '-d', '--console-socket', listener.path, '--image-path', images, '--bundle', b.dir, id]));
      second = new PtyClient(listener.receive().fd);
      second.write('after\n');
      await second.waitFor('got:after', 60_000);
      expect(stateOf(scope.root, id).status).toBe('running');
      expectOk(scope.ocirt(['delete', '--force', id]));
    } finally {
      first?.close();
      second?.close();
      listener.close();
    }
  });
});
