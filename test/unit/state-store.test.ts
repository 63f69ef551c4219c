import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OcirtError } from '../../src/native/error';
import { ContainerRecord, STATE_VERSION } from '../../src/state/record';
import { StateStore, defaultRoot } from '../../src/state/store';

let base: string;
let root: string;

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-store-'));
  root = path.join(base, 'root');
});

afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

function record(id: string, over: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    stateVersion: STATE_VERSION,
    ociVersion: '1.0.2',
    id,
    bundle: '/b',
    rootfs: '/b/rootfs',
    pid: 1234,
    initStartTime: '5678',
    created: '2026-11-22T15:05:39.123456789Z',
    owner: '',
    annotations: { a: 'b' },
    status: 'created',
    hooks: { poststart: [], poststop: [{ path: '/bin/true', args: ['true'], timeout: 5 }] },
    cgroup: { driver: 'cgroupfs-v2', paths: { unified: '/sys/fs/cgroup/x' } },
    namespaces: [{ type: 'pid' }, { type: 'network', path: '/proc/1/ns/net' }],
    sharesPidNamespace: false,
    rootless: false,
    execFifo: `/run/ocirt/${id}/exec.fifo`,
    ...over,
  };
}

function caught(fn: () => unknown): OcirtError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OcirtError);
    return err as OcirtError;
  }
  throw new Error('did not throw');
}

describe('StateStore', () => {
  it('makes the root and container dirs with mode 0700', () => {
    const store = new StateStore(root);
    const dir = store.reserve('c1');
    expect(dir).toBe(path.join(root, 'c1'));
    expect(fs.statSync(root).mode & 0o777).toBe(0o700);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('makes a relative root absolute', () => {
    expect(path.isAbsolute(new StateStore('rel/dir').root)).toBe(true);
  });

  it('lets only one of two reserves of one id win', () => {
    const store = new StateStore(root);
    store.reserve('c1');
    const err = caught(() => store.reserve('c1'));
    expect(err.message).toBe('container with id c1 already exists');
    expect(new StateStore(root).reserve('c2')).toBe(path.join(root, 'c2'));
  });

  it('lets exactly one of many concurrent processes reserve an id', async () => {
    // Bundle the store for plain node; each child reserves the same id at once.
    const esbuild = await import('esbuild');
    const bundle = path.join(base, 'reserve.js');
    esbuild.buildSync({
      stdin: {
        contents: `const { StateStore } = require('./store');
          try { new StateStore(process.argv[2]).reserve('race'); process.exit(0); }
          catch (e) { process.stderr.write(e.message); process.exit(e.message.includes('already exists') ? 3 : 1); }`,
        resolveDir: path.resolve(__dirname, '../../src/state'),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: bundle,
      logLevel: 'silent',
    });
    const codes = await Promise.all(
      Array.from({ length: 8 }, () =>
        new Promise<number>((resolve) => {
          spawn(process.execPath, [bundle, root], { stdio: 'ignore' }).on('exit', (c) => resolve(c ?? -1));
        }),
      ),
    );
    expect(codes.filter((c) => c === 0)).toHaveLength(1);
    expect(codes.filter((c) => c === 3)).toHaveLength(7);
  });

  it('refuses hostile ids before touching any file', () => {
    const store = new StateStore(root);
    store.ensureRoot();
    const before = fs.readdirSync(base).sort();
    for (const id of ['../x', '..', '.', '', 'a/b', '/etc', 'x\u0000', 'a\nb', '../root', 'x'.repeat(256)]) {
      expect(caught(() => store.reserve(id)).message).toMatch(/^invalid container id /);
      expect(caught(() => store.read(id)).message).toMatch(/^invalid container id /);
      expect(caught(() => store.remove(id)).message).toMatch(/^invalid container id /);
      expect(caught(() => store.exists(id)).message).toMatch(/^invalid container id /);
      expect(caught(() => store.write(record(id))).message).toMatch(/^invalid container id /);
    }
    expect(fs.readdirSync(root)).toEqual([]);
    expect(fs.readdirSync(base).sort()).toEqual(before);
  });

  it('round-trips a record, with mode 0600 and no temp file left', () => {
    const store = new StateStore(root);
    const dir = store.reserve('c1');
    const rec = record('c1', { systemdUnit: 'libpod-c1.scope' });
    store.write(rec);
    expect(store.read('c1')).toEqual(rec);
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
    expect(fs.statSync(path.join(dir, 'state.json')).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(path.join(dir, 'state.json'), 'utf8');
    expect(text.startsWith('{"stateVersion":1,')).toBe(true);

    store.write({ ...rec, status: 'running' });
    expect(store.read('c1').status).toBe('running');
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
  });

  it('cleans up its temp file when the rename fails', () => {
    const store = new StateStore(root);
    const dir = store.reserve('c1');
    fs.mkdirSync(path.join(dir, 'state.json'));
    fs.writeFileSync(path.join(dir, 'state.json', 'keep'), '');
    const err = caught(() => store.write(record('c1')));
    expect(err.message).toContain(`write ${path.join(dir, 'state.json')}`);
    expect(err.code).toBeDefined();
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
  });

  it('says "container does not exist" for a missing container or state file', () => {
    const store = new StateStore(root);
    let err = caught(() => store.read('nope'));
    expect(err.message).toBe('container does not exist');
    expect(err.exitCode).toBe(1);
    store.reserve('half');
    err = caught(() => store.read('half'));
    expect(err.message).toBe('container does not exist');
    expect(store.exists('half')).toBe(false);
    expect(store.exists('nope')).toBe(false);
  });

  it('names the file of a corrupt record', () => {
    const store = new StateStore(root);
    const file = path.join(store.reserve('c1'), 'state.json');
    fs.writeFileSync(file, '{"stateVersion":1,');
    expect(caught(() => store.read('c1')).message).toMatch(new RegExp(`^corrupt state file ${file}: `));
    fs.writeFileSync(file, JSON.stringify({ ...record('c1'), pid: 'x' }));
    expect(caught(() => store.read('c1')).message).toBe(`corrupt state file ${file}: "pid" must be a non-negative integer`);
    fs.writeFileSync(file, JSON.stringify(record('other')));
    expect(caught(() => store.read('c1')).message).toMatch(/it names container "other"/);
  });

  it('refuses a stateVersion it does not know', () => {
    const store = new StateStore(root);
    const file = path.join(store.reserve('c1'), 'state.json');
    fs.writeFileSync(file, JSON.stringify({ ...record('c1'), stateVersion: 2 }));
    expect(caught(() => store.read('c1')).message).toMatch(
      new RegExp(`^state file ${file} has stateVersion 2; this ocirt reads only stateVersion 1`),
    );
    fs.writeFileSync(file, JSON.stringify({ id: 'c1' }));
    expect(caught(() => store.read('c1')).message).toMatch(/has stateVersion null/);
  });

  it('lists the ids with a state file, sorted, ignoring other entries', () => {
    const store = new StateStore(root);
    expect(store.list()).toEqual([]); // root missing
    for (const id of ['b', 'a', 'c']) {
      store.reserve(id);
      store.write(record(id));
    }
    store.reserve('half');
    fs.writeFileSync(path.join(root, 'file'), '');
    fs.mkdirSync(path.join(root, 'bad name'));
    fs.writeFileSync(path.join(root, 'bad name', 'state.json'), '{}');
    expect(store.list()).toEqual(['a', 'b', 'c']);
    expect(store.exists('a')).toBe(true);
  });

  it('removes a container dir and tolerates a missing one', () => {
    const store = new StateStore(root);
    const dir = store.reserve('c1');
    store.write(record('c1'));
    fs.writeFileSync(path.join(dir, 'exec.fifo'), '');
    store.remove('c1');
    expect(fs.existsSync(dir)).toBe(false);
    expect(() => store.remove('c1')).not.toThrow();
    expect(store.list()).toEqual([]);
    // The id can be used again.
    expect(store.reserve('c1')).toBe(dir);
  });
});

describe('defaultRoot', () => {
  it('is /run/ocirt for root and $XDG_RUNTIME_DIR/ocirt for others', () => {
    expect(defaultRoot({ XDG_RUNTIME_DIR: '/run/user/1000' }, 0)).toBe('/run/ocirt');
    expect(defaultRoot({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toBe('/run/user/1000/ocirt');
    expect(defaultRoot({}, 1000)).toBe('/run/ocirt');
    expect(defaultRoot({ XDG_RUNTIME_DIR: 'relative' }, 1000)).toBe('/run/ocirt');
  });
});
