// Inherited environment: the container's environment is exactly process.env of the
// config, and nothing of the caller's environment (NODE_OPTIONS, NODE_EXTRA_CA_CERTS,
// LD_PRELOAD, ...) reaches the container, the hooks or the runtime's own Node.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestScope, lines, ocirtToFiles, sh, stateOf, waitForStatus } from '../helpers/containers';
import { isRoot } from '../helpers/ocirt-cli';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const CONTAINER_ENV = ['PATH=/bin:/sbin', 'HOME=/root', 'ONLY=this'];
const HOOK_ENV = ['PATH=/bin', 'HOOK=exact'];

/**
 * A hostile caller's environment. NODE_OPTIONS would make any Node process it reaches
 * load payload.js, which leaves a marker file (and would print to stderr).
 */
function pollutedEnv(dir: string): { env: NodeJS.ProcessEnv; marker: string } {
  const marker = path.join(dir, 'payload-ran');
  const payload = path.join(dir, 'payload.js');
  fs.writeFileSync(payload, `require('fs').appendFileSync(${JSON.stringify(marker)}, process.pid + ' ' + process.argv.join(' ') + '\\n');\n`);
  const shPayload = path.join(dir, 'payload.sh');
  fs.writeFileSync(shPayload, `echo sh-payload >> ${marker}\n`);
  return {
    marker,
    env: {
      ...process.env,
      NODE_OPTIONS: `--require ${payload}`,
      NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem',
      NODE_PATH: dir,
      LD_PRELOAD: '/nonexistent/libevil.so',
      LD_LIBRARY_PATH: '/nonexistent/lib',
      ENV: shPayload,
      BASH_ENV: shPayload,
      FOO: 'bar',
    },
  };
}

/** The dynamic loader's complaint about the missing LD_PRELOAD library (of /bin/sh and node themselves) is not ocirt's. */
function ownStderr(text: string): string[] {
  return lines(text).filter((l) => !/ld\.so: object .* cannot be preloaded/.test(l));
}

describe.skipIf(!isRoot)('inherited environment (needs root)', () => {
  it('run: the container\'s environment is exactly process.env; the NODE_OPTIONS payload never runs', () => {
    const dir = scope.scratch('ocirt-env-');
    const { env, marker } = pollutedEnv(dir);
    const b = scope.bundle(['env'], (s) => {
      s.process!.env = CONTAINER_ENV;
    });
    const r = ocirtToFiles(scope.root, ['run', '--bundle', b.dir, scope.id('env')], { dir: b.dir, env });
    expect(ownStderr(r.err())).toEqual([]);
    expect(r.status).toBe(0);
    expect(lines(r.out())).toEqual(CONTAINER_ENV);
    expect(fs.existsSync(marker), fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '').toBe(false);
  });

  it('create and start each from a polluted caller: the process, the waiting init and every hook see only their own environment', () => {
    const dir = scope.scratch('ocirt-env-');
    const { env, marker } = pollutedEnv(dir);
    const hookDir = scope.scratch('ocirt-env-hooks-');
    const id = scope.id('env-cs');
    const b = scope.bundle(['env'], (s) => {
      s.process!.env = CONTAINER_ENV;
      s.mounts!.push({ destination: '/out', type: 'bind', source: hookDir, options: ['rbind', 'rw'] });
      const hook = (kind: string) => ({ path: '/bin/busybox', args: ['sh', '-c', `env > ${hookDir}/${kind}.env`], env: HOOK_ENV });
      // createContainer/startContainer hooks run in the container: their path is the rootfs's busybox, /out is the host dir
      const inner = (kind: string) => ({ path: '/bin/busybox', args: ['sh', '-c', `env > /out/${kind}.env`], env: HOOK_ENV });
      s.hooks = {
        prestart: [hook('prestart')],
        createRuntime: [hook('createRuntime')],
        createContainer: [hook('createContainer')],
        startContainer: [inner('startContainer')],
        poststart: [hook('poststart')],
        poststop: [hook('poststop')],
      };
    });
    const c = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir, env });
    expect(ownStderr(c.err())).toEqual([]);
    expect(c.status).toBe(0);
    // the init waiting for start has an empty environment (nothing of the caller's)
    const { pid } = stateOf(scope.root, id);
    expect(fs.readFileSync(`/proc/${pid}/environ`, 'utf8')).toBe('');
    const s = ocirtToFiles(scope.root, ['start', id], { dir: b.dir, env });
    expect(ownStderr(s.err())).toEqual([]);
    expect(s.status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    const d = ocirtToFiles(scope.root, ['delete', '--force', id], { dir: b.dir, env });
    expect(ownStderr(d.err())).toEqual([]);
    expect(d.status).toBe(0);
    // the container's stdout is create's
    expect(lines(c.out())).toEqual(CONTAINER_ENV);
    for (const kind of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']) {
      const text = fs.readFileSync(path.join(hookDir, `${kind}.env`), 'utf8');
      // busybox sh adds PWD and SHLVL of its own
      expect(lines(text).filter((l) => !/^(PWD|SHLVL|OLDPWD)=/.test(l)).sort(), kind).toEqual([...HOOK_ENV].sort());
    }
    expect(fs.existsSync(marker), fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '').toBe(false);
  });

  it('every verb ignores NODE_OPTIONS: the payload never runs, the output is unchanged', () => {
    const dir = scope.scratch('ocirt-env-');
    const { env, marker } = pollutedEnv(dir);
    const b = scope.bundle(sh('true'));
    for (const args of [['--version'], ['list'], ['state', 'nosuch'], ['validate', '--bundle', b.dir], ['spec', '--bundle', dir], ['delete', '--force', 'nosuch']]) {
      const r = ocirtToFiles(scope.root, args, { dir, env });
      expect(r.signal, args.join(' ')).toBeNull();
      expect(ownStderr(r.err()).filter((l) => !l.startsWith('ocirt: ')), args.join(' ')).toEqual([]);
    }
    expect(fs.existsSync(marker), fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '').toBe(false);
  });
});
