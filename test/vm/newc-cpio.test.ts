// The initramfs writer, checked by extracting its archive with busybox cpio (the same
// busybox the guest boots with) and reading what came out.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandScript } from './guest-scripts';
import { newcArchive } from './newc-cpio';

const BUSYBOX = '/bin/busybox';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-cpio-'));
  dirs.push(d);
  return d;
}

describe.skipIf(!fs.existsSync(BUSYBOX))('newc cpio archives (needs /bin/busybox)', () => {
  it('directories, files with their modes and contents, symlinks; odd lengths padded', () => {
    const archive = newcArchive([
      { path: 'bin', type: 'dir' },
      { path: '/bin/tool', type: 'file', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
      { path: 'bin/sh', type: 'symlink', target: 'tool' },
      { path: 'etc', type: 'dir', mode: 0o700 },
      { path: 'etc/a', type: 'file', data: Buffer.from('x') },
      { path: 'etc/empty', type: 'file', data: Buffer.alloc(0) },
    ]);
    expect(archive.length % 4).toBe(0);
    const out = scratch();
    fs.writeFileSync(path.join(out, '..', `${path.basename(out)}.cpio`), archive);
    dirs.push(`${out}.cpio`);
    execFileSync(BUSYBOX, ['cpio', '-i', '-d', '-F', `${out}.cpio`], { cwd: out, stdio: 'pipe' });
    expect(fs.readFileSync(path.join(out, 'bin/tool'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(fs.statSync(path.join(out, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(fs.readlinkSync(path.join(out, 'bin/sh'))).toBe('tool');
    expect(fs.statSync(path.join(out, 'etc')).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(path.join(out, 'etc/a'), 'utf8')).toBe('x');
    expect(fs.statSync(path.join(out, 'etc/empty')).size).toBe(0);
    const listed = execFileSync(BUSYBOX, ['cpio', '-t', '-F', `${out}.cpio`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(listed.split('\n').filter(Boolean)).toEqual(['bin', 'bin/tool', 'bin/sh', 'etc', 'etc/a', 'etc/empty']);
  });
});

describe('the guest command script', () => {
  it('quotes the environment and the working directory for sh', () => {
    const cwd = path.join(scratch(), "it's here");
    fs.mkdirSync(cwd);
    const script = commandScript('printf "%s|%s" "$A" "$(pwd)"', cwd, { A: "it's $HOME `x`" });
    const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
    expect(out).toBe(`it's $HOME \`x\`|${cwd}`);
  });
});
