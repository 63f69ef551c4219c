// The npm package as a user gets it: `npm pack` (prepack: API docs; prepare: the build)
// of a copy of this checkout, a fresh project that installs the tarball (its `install`
// builds the addon with node-gyp and writes the launcher) and a TypeScript program that
// imports the typed API, type-checks, and runs a busybox container.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBusyboxRootfs } from '../helpers/busybox-rootfs';
import { isRoot } from '../helpers/ocirt-cli';
import { host, lacking } from '../helpers/host-capabilities';

const top = path.resolve(__dirname, '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-package-'));
const stateRoot = path.join(work, 'state');

afterAll(() => {
  spawnSync(path.join(work, 'consumer/node_modules/.bin/ocirt'), ['--root', stateRoot, 'delete', '--force', 'consumer-1']);
  fs.rmSync(work, { recursive: true, force: true });
});

/** The files `npm pack` starts from: the checkout without its build outputs. */
function copyCheckout(dest: string): void {
  const skip = new Set(['node_modules', 'dist', 'bin', '.git', 'docs', 'bench', 'test', '.bench-work', '.demo']);
  for (const e of fs.readdirSync(top)) {
    if (skip.has(e) || e.endsWith('.log')) continue;
    fs.cpSync(path.join(top, e), path.join(dest, e), { recursive: true, filter: (src) => !src.includes(`${path.sep}addon${path.sep}build`) && !src.includes('spec/generated') });
  }
  // The devDependencies the build needs: this checkout's.
  fs.symlinkSync(path.join(top, 'node_modules'), path.join(dest, 'node_modules'));
}

// Asynchronous: minutes of pack and install must not block the test worker's event loop.
const execFileAsync = promisify(execFile);
const run = async (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> =>
  (await execFileAsync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, JOBS: '2', ...env }, maxBuffer: 64 << 20 })).stdout;

const CONSUMER_MAIN = `import * as fs from 'node:fs';
import * as path from 'node:path';
import { Runtime, OcirtError, type RunResult, type Spec } from 'ocirt';

const [root, bundle] = process.argv.slice(2);
const rt = new Runtime({ root, subreaper: true });
const spec: Spec = rt.spec({ args: ['sh', '-c', 'echo "hello from $(hostname)"; exit 3'] });
spec.process!.terminal = false;
spec.hostname = 'consumer';
fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));

const result: RunResult = await rt.run('consumer-1', { bundle, stdio: ['ignore', 'pipe', 'inherit'] });
let error: { name: string; code?: string; message: string } | undefined;
try {
  rt.state('consumer-1');
} catch (err) {
  if (err instanceof OcirtError) error = { name: err.name, code: err.code, message: err.message };
}
console.log(JSON.stringify({ exitCode: result.exitCode, code: result.code, signal: result.signal, stdout: result.stdout?.toString(), left: rt.list().length, error }));
`;

// Proves the types are real: a misspelt option and a wrong argument type do not compile.
const CONSUMER_TYPE_ERRORS = `import { Runtime } from 'ocirt';
const rt = new Runtime();
// @ts-expect-error: no such option
void rt.run('x', { bundel: '/b' });
// @ts-expect-error: a signal is a number or a name
rt.kill('x', { all: true });
`;

describe.runIf(isRoot)('library package (needs root, the npm registry or its cache, and a C++ toolchain)', () => {
  it('npm pack → npm install of the tarball in a new project → a typed program runs a container', async () => {
    const missing = lacking(host.busybox);
    if (missing) throw new Error(missing);
    const src = path.join(work, 'src');
    fs.mkdirSync(src);
    copyCheckout(src);
    // The scripts' own output comes first on stdout; the JSON report last.
    const packOut = await run('npm', ['pack', '--json', '--pack-destination', work], src, { npm_config_loglevel: 'error' });
    const packed = JSON.parse(packOut.slice(packOut.lastIndexOf('[\n  {'))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed[0].files.map((f) => f.path);
    // Built by prepare, documented by prepack; sources and tests stay out.
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/bundle/main.js', 'addon/binding.gyp', 'scripts/launcher.mjs', 'docs/api/index.html', 'docs/api/classes/Runtime.html']));
    expect(files.filter((f) => /^(src|test|bench|addon\/build)\//.test(f))).toEqual([]);

    const consumer = path.join(work, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(
      path.join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', allowScripts: { ocirt: true } }, null, 2),
    );
    const typescript = JSON.parse(fs.readFileSync(path.join(top, 'node_modules/typescript/package.json'), 'utf8')).version as string;
    const typesNode = JSON.parse(fs.readFileSync(path.join(top, 'node_modules/@types/node/package.json'), 'utf8')).version as string;
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, packed[0].filename), `typescript@${typescript}`, `@types/node@${typesNode}`], consumer);
    const installed = path.join(consumer, 'node_modules/ocirt');
    expect(fs.existsSync(path.join(installed, 'addon/build/Release/ocirt.node'))).toBe(true);

    fs.writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, outDir: 'out', types: ['node'] }, include: ['main.ts', 'type-errors.ts'] }),
    );
    fs.writeFileSync(path.join(consumer, 'main.ts'), CONSUMER_MAIN);
    fs.writeFileSync(path.join(consumer, 'type-errors.ts'), CONSUMER_TYPE_ERRORS);
    const tsc = path.join(consumer, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '--noEmit', '-p', '.'], consumer);
    await run(process.execPath, [tsc, '-p', '.'], consumer);

    const bundle = path.join(work, 'bundle');
    makeBusyboxRootfs(path.join(bundle, 'rootfs'));
    const out = await run(process.execPath, [path.join(consumer, 'out/main.js'), stateRoot, bundle], consumer);
    expect(JSON.parse(out)).toEqual({
      exitCode: 3,
      code: 3,
      signal: null,
      stdout: 'hello from consumer\n',
      left: 0,
      error: { name: 'OcirtError', code: undefined, message: 'state consumer-1: container does not exist' },
    });

    // The CLI of the installed package: its launcher was written for where it is installed.
    const launcher = fs.readFileSync(path.join(consumer, 'node_modules/.bin/ocirt'), 'utf8');
    expect(launcher).toContain(installed);
    expect(launcher).not.toContain(src);
    const version = spawnSync(path.join(consumer, 'node_modules/.bin/ocirt'), ['--version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^ocirt version 0\.1\.0/);
  }, 30 * 60_000);
});
