import { describe, expect, it } from 'vitest';
import { applyWrites } from '../../src/cgroups/apply-writes';
import type { CgroupIo } from '../../src/cgroups/cgroup-io';
import type { CgroupWrite } from '../../src/cgroups/cgroup-write';

/** An in-memory cgroup directory: files with contents, and a kernel that may refuse writes. */
class FakeCgroup implements CgroupIo {
  readonly files = new Map<string, string>();
  readonly log: string[] = [];
  /** file → how the "kernel" answers a write (an errno code, or a value it keeps instead). */
  kernel = new Map<string, (value: string, files: Map<string, string>) => string | { keep: string } | undefined>();

  constructor(initial: Record<string, string>) {
    for (const [k, v] of Object.entries(initial)) this.files.set(`/cg/${k}`, v);
  }
  write(file: string, value: string): void {
    if (!this.files.has(file)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT', errno: -2 });
    const answer = this.kernel.get(file.slice(4))?.(value, this.files);
    if (typeof answer === 'string') throw Object.assign(new Error(answer), { code: answer, errno: answer === 'EINVAL' ? -22 : -16 });
    this.log.push(`${file.slice(4)}=${value}`);
    this.files.set(file, answer?.keep ?? value);
  }
  read(file: string): string {
    const v = this.files.get(file);
    if (v === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return `${v}\n`;
  }
  exists(file: string): boolean {
    return file === '/cg' || this.files.has(file);
  }
}

const w = (file: string, value: string, extra: Partial<CgroupWrite> = {}): CgroupWrite => ({ controller: 'memory', file, value, pointer: `/p/${file}`, ...extra });
const apply = (io: FakeCgroup, writes: CgroupWrite[], warn: string[] = [], undo = false) => applyWrites(writes, () => '/cg', io, { warn: (m) => warn.push(m), undo });

describe('applyWrites', () => {
  it('a limit refused (EINVAL) before the other is raised is written again after it', () => {
    const io = new FakeCgroup({ 'memory.limit_in_bytes': '100', 'memory.memsw.limit_in_bytes': '100' });
    // the kernel keeps memory <= memory+swap
    io.kernel.set('memory.limit_in_bytes', (v, f) => (Number(v) > Number(f.get('/cg/memory.memsw.limit_in_bytes')) ? 'EINVAL' : undefined));
    apply(io, [w('memory.limit_in_bytes', '200', { retryLater: true }), w('memory.memsw.limit_in_bytes', '300')]);
    expect(io.log).toEqual(['memory.memsw.limit_in_bytes=300', 'memory.limit_in_bytes=200']);
  });

  it('a missing file: skipped, warned about, or replaced by its alternative', () => {
    const io = new FakeCgroup({ 'blkio.bfq.weight': '100' });
    const warn: string[] = [];
    apply(io, [
      w('memory.memsw.limit_in_bytes', '-1', { ifMissing: 'skip' }),
      w('memory.kmem.limit_in_bytes', '1', { ifMissing: { warn: 'no kmem' } }),
      w('blkio.weight', '500', { ifMissing: { file: 'blkio.bfq.weight', value: '500' } }),
    ], warn);
    expect(io.log).toEqual(['blkio.bfq.weight=500']);
    expect(warn).toEqual(['no kmem']);
  });

  it('cpu.shares clamped by the kernel is an error, as runc', () => {
    const io = new FakeCgroup({ 'cpu.shares': '1024' });
    io.kernel.set('cpu.shares', (v) => ({ keep: String(Math.min(262144, Math.max(2, Number(v)))) }));
    expect(() => apply(io, [w('cpu.shares', '1', { check: 'cpu-shares' })])).toThrow('/p/cpu.shares: 1 is too small: the minimum allowed cpu-shares is 2');
    expect(() => apply(io, [w('cpu.shares', '500000', { check: 'cpu-shares' })])).toThrow('the maximum allowed cpu-shares is 262144');
  });

  it('a byte limit the kernel accepts but ignores gives a warning', () => {
    const io = new FakeCgroup({ 'memory.kmem.limit_in_bytes': '9223372036854771712' });
    io.kernel.set('memory.kmem.limit_in_bytes', () => ({ keep: '9223372036854771712' }));
    const warn: string[] = [];
    apply(io, [w('memory.kmem.limit_in_bytes', '50593792', { check: { ignoredWarn: 'kmem ignored' } })], warn);
    expect(warn).toEqual(['kmem ignored']);
    // a value rounded down to pages is not "ignored"
    const io2 = new FakeCgroup({ 'memory.kmem.limit_in_bytes': '0' });
    io2.kernel.set('memory.kmem.limit_in_bytes', (v) => ({ keep: String(Math.floor(Number(v) / 4096) * 4096) }));
    const warn2: string[] = [];
    apply(io2, [w('memory.kmem.limit_in_bytes', '50000000', { check: { ignoredWarn: 'x' } })], warn2);
    expect(warn2).toEqual([]);
  });

  it('errors name the field, the file and the errno; EBUSY on a memory limit tells the usage', () => {
    const io = new FakeCgroup({ 'pids.max': 'max', 'memory.limit_in_bytes': '1000000', 'memory.usage_in_bytes': '900000', 'memory.max_usage_in_bytes': '950000', 'memory.memsw.limit_in_bytes': '1000000' });
    io.kernel.set('pids.max', () => 'EINVAL');
    io.kernel.set('memory.limit_in_bytes', () => 'EBUSY');
    expect(() => apply(io, [w('pids.max', 'x')])).toThrow('/p/pids.max: write "x" to /cg/pids.max: EINVAL (invalid argument)');
    expect(() => apply(io, [w('memory.limit_in_bytes', '4096')])).toThrow(
      '/p/memory.limit_in_bytes: cannot set the limit to 4096: the container uses 900000 bytes (peak 950000) and the kernel could not reclaim enough',
    );
    expect(() => apply(io, [w('memory.nonexistent', '1')])).toThrow('/p/memory.nonexistent: this kernel has no memory.nonexistent (no such file in /cg)');
  });

  it('EINVAL on memory vs memory+swap names both limits', () => {
    const io = new FakeCgroup({ 'memory.limit_in_bytes': '100', 'memory.memsw.limit_in_bytes': '100' });
    io.kernel.set('memory.limit_in_bytes', () => 'EINVAL');
    expect(() => apply(io, [w('memory.limit_in_bytes', '200', { retryLater: false })])).toThrow(
      'cannot set memory.limit_in_bytes to 200 while memory.memsw.limit_in_bytes is 100 (memory+swap must be >= memory; give both limits)',
    );
  });

  it('v2: a missing file of a controller the cgroup lacks says so', () => {
    const io = new FakeCgroup({ 'cgroup.controllers': 'cpu memory' });
    expect(() => applyWrites([{ controller: 'unified', file: 'hugetlb.2MB.max', value: '1', pointer: '/h' }], () => '/cg', io)).toThrow(
      '/h: the hugetlb controller is not enabled for /cg (it has: cpu memory)',
    );
  });

  it('undo (update): a failure puts back the single-value files already changed', () => {
    const io = new FakeCgroup({ 'pids.max': 'max', 'cpu.cfs_quota_us': '-1', 'cpuset.cpus': '0-1' });
    io.kernel.set('cpuset.cpus', () => 'EINVAL');
    expect(() => apply(io, [w('pids.max', '10'), w('cpu.cfs_quota_us', '5000'), w('cpuset.cpus', '7')], [], true)).toThrow('EINVAL');
    expect(io.files.get('/cg/pids.max')).toBe('max');
    expect(io.files.get('/cg/cpu.cfs_quota_us')).toBe('-1');
  });
});
