import { describe, expect, it } from 'vitest';
import type { CgroupIo } from '../../src/cgroups/cgroup-io';
import { CgroupfsV2 } from '../../src/cgroups/cgroupfs-v2';

const DIR = '/sys/fs/cgroup/pod/c1';

/** cgroupfs as far as joining goes: `busy` directories refuse processes (EBUSY), others take them. */
function fakeIo(busy: string[], initCgroup: string) {
  const joined: string[] = [];
  const io: CgroupIo = {
    write(file, value) {
      const dir = file.replace(/\/cgroup\.procs$/, '');
      if (busy.includes(dir)) throw Object.assign(new Error('EBUSY'), { code: 'EBUSY', errno: -16, syscall: 'write', path: file });
      joined.push(`${dir} ${value}`);
    },
    read(file) {
      if (file === '/proc/77/cgroup') return `0::${initCgroup}\n`;
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT', errno: -2 });
    },
    exists: () => true,
  };
  return { io, joined };
}

describe('CgroupfsV2.join of an exec\'d process', () => {
  it('joins the init\'s cgroup when the container\'s own refuses processes (domain controllers enabled in it), as runc', () => {
    const { io, joined } = fakeIo([DIR], '/pod/c1/foobar');
    new CgroupfsV2(DIR, '/sys/fs/cgroup', { io }).join(1234, undefined, 77);
    expect(joined).toEqual([`${DIR}/foobar 1234`]);
  });

  it('--cgroup turns that off, and an init outside the container\'s cgroup is no fallback', () => {
    const sub = fakeIo([DIR], '/pod/c1/foobar');
    expect(() => new CgroupfsV2(DIR, '/sys/fs/cgroup', { io: sub.io }).join(1234, { all: '/' }, 77)).toThrow(
      `adding pid 1234 to cgroups: write ${DIR}/cgroup.procs: device or resource busy (EBUSY)`,
    );
    const outside = fakeIo([DIR], '/pod/other');
    expect(() => new CgroupfsV2(DIR, '/sys/fs/cgroup', { io: outside.io }).join(1234, undefined, 77)).toThrow('device or resource busy (EBUSY)');
    expect([...sub.joined, ...outside.joined]).toEqual([]);
  });
});
