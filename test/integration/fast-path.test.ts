/**
 * The native entry (addon/src/fast) for state, start, kill and delete: it must behave
 * exactly like the Node CLI where it acts, and hand everything else over to Node.
 * A launcher whose "node" does not exist shows which path ran: the fast path succeeds
 * without Node, a hand-over fails with exit 127.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ocirtToFiles, procStatusField, sh, stateOf, TestScope, waitForStatus } from '../helpers/containers';
import { isRoot, ocirt } from '../helpers/ocirt-cli';

const FAST = path.resolve(__dirname, '../../addon/build/Release/ocirt-fast');

describe.skipIf(!isRoot)('the native fast path (needs root: real containers)', () => {
  const scope = new TestScope();
  afterEach(() => scope.reset());
  afterAll(() => expect(scope.finish()).toEqual([]));

  /** Runs the fast binary alone: Node is unreachable, so a hand-over exits 127. */
  function fastOnly(args: string[], env: NodeJS.ProcessEnv = process.env) {
    const r = spawnSync(FAST, ['/nonexistent/node', '/nonexistent/main.js', '--root', scope.root, ...args], { encoding: 'utf8', env });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  function viaNode(args: string[]) {
    return ocirt(scope.root, args, { env: { ...process.env, OCIRT_NO_FAST_PATH: '1' } });
  }

  function created(args = sh('sleep 60'), annotations?: Record<string, string>): string {
    const b = scope.bundle(args, (s) => {
      if (annotations) s.annotations = annotations;
    });
    const id = scope.id('fast');
    const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id]);
    expect(r.status, r.err()).toBe(0);
    return id;
  }

  it('prints state byte for byte as the Node CLI does, in every status', () => {
    const id = created(sh('sleep 60'), { 'a"quote': 'line\nbreak\ttab\u0001ctl', 'ü-ñ': '✓', empty: '' });
    const check = () => {
      const fast = fastOnly(['state', id]);
      expect(fast.status).toBe(0);
      expect(fast.stdout).toBe(viaNode(['state', id]).stdout);
      return JSON.parse(fast.stdout).status as string;
    };
    expect(check()).toBe('created');
    expect(fastOnly(['start', id]).status).toBe(0);
    expect(check()).toBe('running');
    expect(fastOnly(['kill', id, 'KILL']).status).toBe(0);
    expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    expect(check()).toBe('stopped');
    expect(fastOnly(['delete', id]).status).toBe(0);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  });

  it('omits annotations when there are none, like the Node CLI', () => {
    const id = created();
    const fast = fastOnly(['state', id]);
    expect(fast.stdout).not.toContain('annotations');
    expect(fast.stdout).toBe(viaNode(['state', id]).stdout);
  });

  it('starts a created container: the process runs and the exec fifo is gone', () => {
    const id = created(sh('sleep 60'));
    expect(fastOnly(['start', id]).status).toBe(0);
    expect(fs.existsSync(path.join(scope.root, id, 'exec.fifo'))).toBe(false);
    const pid = stateOf(scope.root, id).pid;
    expect(procStatusField(pid, 'Name')).toBe('sleep');
  });

  it('reads signals by number and by name with or without SIG, in any case', () => {
    for (const sig of ['9', 'SIGKILL', 'kill']) {
      const id = created(sh('sleep 60'));
      expect(fastOnly(['start', id]).status).toBe(0);
      expect(fastOnly(['kill', id, sig]).status).toBe(0);
      expect(waitForStatus(scope.root, id, 'stopped')).toBe('stopped');
    }
  });

  it('deletes a running container only with --force, killing it first', () => {
    const id = created(sh('sleep 60'));
    expect(fastOnly(['start', id]).status).toBe(0);
    const pid = stateOf(scope.root, id).pid;
    // Without --force the refusal (an error) is Node's to report.
    expect(fastOnly(['delete', id]).status).toBe(127);
    expect(ocirt(scope.root, ['delete', id]).stderr).toContain('not stopped');
    expect(fastOnly(['delete', '--force', id]).status).toBe(0);
    expect(procStatusField(pid, 'State') ?? 'gone').not.toMatch(/^[RS]/);
    expect(fs.existsSync(path.join(scope.root, id))).toBe(false);
  });

  it('delete --force of a container that is not there succeeds without Node, silently, as Node and runc do', () => {
    expect(fastOnly(['delete', '--force', 'gone'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(viaNode(['delete', '--force', 'gone'])).toMatchObject({ status: 0, stdout: '', stderr: '' });
    // An invalid id, and a directory without state.json (a create at work), are Node's.
    expect(fastOnly(['delete', '--force', '../x']).status).toBe(127);
    fs.mkdirSync(path.join(scope.root, 'half-made'));
    expect(fastOnly(['delete', '--force', 'half-made']).status).toBe(127);
    fs.rmdirSync(path.join(scope.root, 'half-made'));
  });

  it('--version and -v print what the Node CLI prints, without Node (dockerd asks for every docker info)', () => {
    const mainJs = path.resolve(__dirname, '../../dist/bundle/main.js');
    const node = viaNode(['--version']);
    expect(node.status).toBe(0);
    for (const flag of ['--version', '-v']) {
      const r = spawnSync(FAST, ['/nonexistent/node', mainJs, flag], { encoding: 'utf8' });
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: node.stdout, stderr: '' });
    }
    // With other arguments it is Node's.
    expect(spawnSync(FAST, ['/nonexistent/node', mainJs, '--version', 'x']).status).toBe(127);
  });

  it('a container that does not exist: state, kill, start and delete answer as the Node CLI does, without Node', () => {
    const logDir = scope.scratch('ocirt-fastlog-');
    const withoutTime = (file: string) => fs.readFileSync(file, 'utf8').replace(/time="[^"]*"|"time":"[^"]*"/g, 'TIME');
    for (const argv of [['state', 'nosuch'], ['kill', 'nosuch'], ['kill', 'nosuch', 'KILL'], ['start', 'nosuch'], ['delete', 'nosuch']]) {
      for (const format of ['text', 'json']) {
        const fastLog = path.join(logDir, `fast-${argv.join('-')}.${format}`);
        const nodeLog = path.join(logDir, `node-${argv.join('-')}.${format}`);
        const fast = fastOnly(['--log', fastLog, '--log-format', format, ...argv]);
        const node = viaNode(['--log', nodeLog, '--log-format', format, ...argv]);
        expect(fast.status, argv.join(' ')).toBe(1);
        expect({ status: fast.status, stdout: fast.stdout, stderr: fast.stderr }).toEqual({ status: node.status, stdout: node.stdout, stderr: node.stderr });
        expect(node.stderr).toMatch(/container does not exist\n$/);
        expect(withoutTime(fastLog)).toBe(withoutTime(nodeLog));
      }
    }
  });

  it('hands every error and unusual case to Node before changing anything', () => {
    const id = created(sh('sleep 60'));
    // errors: invalid id, a signal only Node parses, kill --all, --debug
    expect(fastOnly(['state', '../x']).status).toBe(127);
    expect(fastOnly(['kill', id, 'RTMIN+1']).status).toBe(127);
    expect(fastOnly(['kill', '--all', id, '9']).status).toBe(127);
    expect(spawnSync(FAST, ['/nonexistent/node', '/x.js', '--debug', '--root', scope.root, 'state', id]).status).toBe(127);
    // The container is untouched by all of that.
    expect(stateOf(scope.root, id).status).toBe('created');
    // And through the real launcher the same calls give Node's messages.
    expect(ocirt(scope.root, ['state', 'nosuch']).stderr).toContain('container does not exist');
  });

  it('leaves start to Node when poststart hooks must run, and they do', () => {
    const marks = scope.scratch();
    const mark = path.join(marks, 'poststart');
    const b = scope.bundle(sh('sleep 60'), (s) => {
      s.hooks = { poststart: [{ path: '/bin/sh', args: ['sh', '-c', `echo ran > ${mark}`] }] };
    });
    const id = scope.id('fast-hook');
    expect(ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id]).status).toBe(0);
    expect(fastOnly(['start', id]).status).toBe(127);
    expect(ocirt(scope.root, ['start', id]).status).toBe(0);
    expect(fs.readFileSync(mark, 'utf8')).toBe('ran\n');
  });

  it('prints features from the cache Node\'s last features wrote, while the boot and the build are the same', () => {
    expect(fastOnly(['features']).status).toBe(127); // no cache yet in this root
    const node = viaNode(['features']);
    expect(node.status).toBe(0);
    const cacheFile = path.join(scope.root, 'features~cache.json');
    expect(fs.existsSync(cacheFile)).toBe(true);
    const fast = fastOnly(['features']);
    expect(fast.status).toBe(0);
    expect(fast.stdout).toBe(node.stdout);
    expect(JSON.parse(fast.stdout).ociVersionMax).toBeDefined();
    expect(fastOnly(['features', 'extra']).status).toBe(127);
    // Not a container: list ignores it, and the id stays free.
    expect(ocirt(scope.root, ['list', '-q']).stdout).toBe('');
    const cache = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
    fs.writeFileSync(cacheFile, JSON.stringify({ ...cache, bootId: 'another-boot' }));
    expect(fastOnly(['features']).status).toBe(127);
    fs.writeFileSync(cacheFile, JSON.stringify({ ...cache, files: [{ ...cache.files[0], mtimeNs: '1' }] }));
    expect(fastOnly(['features']).status).toBe(127);
    expect(viaNode(['features']).stdout).toBe(node.stdout);
    expect(fastOnly(['features']).stdout).toBe(node.stdout);
  });
});
