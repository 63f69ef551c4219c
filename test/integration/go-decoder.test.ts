// Configs written for runc's Go decoder: keys in another case than the spec's
// ("pagesize", "CPU") and device access letters besides r, w, m. runc runs them; so does
// ocirt, with a warning per spelling naming its pointer and the spec's own.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestScope, cgroupDirsOf, lines, ocirtToFiles, sh } from '../helpers/containers';
import { cgroupMounts, host, itNeeds } from '../helpers/host-capabilities';
import { OCIRT, isRoot } from '../helpers/ocirt-cli';

const scope = new TestScope();
afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const V1 = host.cgroupV1() === undefined;
const CASE = '(keys are matched case-insensitively, as runc does)';

/** A file of the container's cgroup (default cgroupsPath: its id) in the hierarchy mounted at `mountPoint`. */
function cgroupFile(id: string, mountPoint: string, file: string): string {
  const dir = cgroupDirsOf(id).find((d) => d.startsWith(`${mountPoint}/`));
  if (!dir) throw new Error(`no cgroup of ${id} under ${mountPoint}`);
  return fs.readFileSync(path.join(dir, file), 'utf8');
}

function withInput(args: string[], input: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(OCIRT, ['--root', scope.root, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stderr }));
    child.stdin.end(input);
  });
}

describe.skipIf(!isRoot || !V1)('spellings runc\'s Go decoder accepts (needs root, cgroup v1)', () => {
  it('"CPU"/"Shares" and a device access "rwa": the container runs with cpu.shares 512 and c 4:1 rw, one warning per spelling', () => {
    const id = scope.id('gocase');
    const b = scope.bundle(['sleep', '1000']);
    const config = JSON.parse(fs.readFileSync(path.join(b.dir, 'config.json'), 'utf8'));
    config.linux.resources = {
      CPU: { Shares: 512 },
      devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 4, minor: 1, access: 'rwa' }],
    };
    fs.writeFileSync(path.join(b.dir, 'config.json'), JSON.stringify(config));
    const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    expect(lines(r.err())).toEqual([
      `ocirt: warning: config.json: /linux/resources/CPU: taken as "cpu" ${CASE}`,
      `ocirt: warning: config.json: /linux/resources/CPU/Shares: taken as "shares" ${CASE}`,
      'ocirt: warning: config.json: /linux/resources/devices/1/access: "rwa" taken as "rw" (letters other than r, w and m are ignored, as runc does)',
    ]);
    const mounts = cgroupMounts();
    expect(cgroupFile(id, mounts.get('cpu')!, 'cpu.shares').trim()).toBe('512');
    expect(lines(cgroupFile(id, mounts.get('devices')!, 'devices.list'))).toContain('c 4:1 rw');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });

  itNeeds(host.hybridHugetlb, host.hugepages2M)('"pagesize" and "Limit" in hugepageLimits: the limit is set, with a warning per key', () => {
    const id = scope.id('gopage');
    const b = scope.bundle(['sleep', '1000']);
    const config = JSON.parse(fs.readFileSync(path.join(b.dir, 'config.json'), 'utf8'));
    config.linux.resources = { hugepageLimits: [{ pagesize: '2MB', Limit: 4194304 }] };
    fs.writeFileSync(path.join(b.dir, 'config.json'), JSON.stringify(config));
    const r = ocirtToFiles(scope.root, ['create', '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    expect(lines(r.err())).toEqual([
      `ocirt: warning: config.json: /linux/resources/hugepageLimits/0/pagesize: taken as "pageSize" ${CASE}`,
      `ocirt: warning: config.json: /linux/resources/hugepageLimits/0/Limit: taken as "limit" ${CASE}`,
    ]);
    expect(cgroupFile(id, cgroupMounts().get('')!, 'hugetlb.2MB.max').trim()).toBe('4194304');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });

  it('update -r - with {"CPU": {"shares": 512}} sets cpu.shares, with a warning', async () => {
    const id = scope.id('goupd');
    const b = scope.bundle(sh('exec sleep 1000'));
    const r = ocirtToFiles(scope.root, ['run', '-d', '--bundle', b.dir, id], { dir: b.dir });
    expect(r.status, r.err()).toBe(0);
    const cpu = cgroupMounts().get('cpu')!;
    expect(cgroupFile(id, cpu, 'cpu.shares').trim()).toBe('1024');
    const u = await withInput(['update', '-r', '-', id], '{"CPU": {"shares": 512}}');
    expect(u.status, u.stderr).toBe(0);
    expect(lines(u.stderr)).toEqual([`ocirt: warning: resources from stdin: /CPU: taken as "cpu" ${CASE}`]);
    expect(cgroupFile(id, cpu, 'cpu.shares').trim()).toBe('512');
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });
});

describe('validate', () => {
  it('reports the spellings as warnings and the bundle as valid', () => {
    const b = scope.bundle(['true']);
    const config = JSON.parse(fs.readFileSync(path.join(b.dir, 'config.json'), 'utf8'));
    config.Hostname = config.hostname;
    delete config.hostname;
    config.linux.resources = { devices: [{ allow: true, type: 'c', major: 4, minor: 1, access: 'rwa' }] };
    fs.writeFileSync(path.join(b.dir, 'config.json'), JSON.stringify(config));
    const r = scope.ocirt(['validate', '--bundle', b.dir]);
    expect(r.stderr).toBe('');
    expect(r.status, r.stdout).toBe(0);
    expect(lines(r.stdout)).toEqual([
      `warning: /Hostname: taken as "hostname" ${CASE}`,
      'warning: /linux/resources/devices/0/access: "rwa" taken as "rw" (letters other than r, w and m are ignored, as runc does)',
      `${b.dir}: valid`,
    ]);
  });
});
