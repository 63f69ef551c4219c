// `ocirt spec` and `ocirt spec --rootless` write what runc's `runc spec` writes, byte
// for byte, except ociVersion (the runtime-spec ocirt implements) and the hostname.
// Needs runc (Debian's runc package); no root.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { OCIRT } from '../helpers/ocirt-cli';
import { describeNeeds, host } from '../helpers/host-capabilities';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function written(cmd: string, args: string[]): { text: string; mode: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-spec-'));
  dirs.push(dir);
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const file = path.join(dir, 'config.json');
  return { text: fs.readFileSync(file, 'utf8'), mode: fs.statSync(file).mode & 0o777 };
}

/** The two fields that name the runtime. */
const normalize = (text: string) =>
  text.replace(/^\t"ociVersion": "[^"]*",$/m, '\t"ociVersion": "X",').replace(/^\t"hostname": "[^"]*",$/m, '\t"hostname": "X",');

describeNeeds(host.runc)('ocirt spec against runc spec', () => {
  it.each([[[]], [['--rootless']]])('%j', (flags: string[]) => {
    const runc = written('runc', ['spec', ...flags]);
    const ocirt = written(OCIRT, ['spec', ...flags]);
    expect(normalize(ocirt.text)).toBe(normalize(runc.text));
    expect(ocirt.mode).toBe(runc.mode);
    const config = JSON.parse(ocirt.text) as { ociVersion: string; hostname: string };
    expect(config.ociVersion).toBe('1.3.0');
    expect(config.hostname).toBe('ocirt');
  });

  it('refuses to overwrite an existing config.json, as runc does', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-spec-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    const r = spawnSync(OCIRT, ['spec', '--bundle', dir], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/already exists/);
    expect(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).toBe('{}');
  });
});
