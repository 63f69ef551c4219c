import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { joinedUserNamespaceIds } from '../../src/plan/joined-user-namespace';
import { parseIdMap, readUserNamespaceMaps } from '../../src/plan/user-namespace-host';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-joined-userns-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const MAPS = { uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }] };

function joining(user: NonNullable<Spec['process']>['user'] = { uid: 0, gid: 0 }): Spec {
  return {
    ociVersion: '1.3.0',
    process: { user, args: ['sh'], cwd: '/' },
    linux: { namespaces: [{ type: 'mount' }, { type: 'user', path: '/proc/7/ns/user' }] },
  };
}

describe('joinedUserNamespaceIds', () => {
  it('is absent without a joined user namespace, root when the namespace maps it or its maps are unknown', () => {
    const created: Spec = { ociVersion: '1.3.0', linux: { namespaces: [{ type: 'user' }] } };
    expect(joinedUserNamespaceIds(created, MAPS)).toBeUndefined();
    expect(joinedUserNamespaceIds(joining(), undefined)).toEqual({ uid: 0, gid: 0 });
    expect(joinedUserNamespaceIds(joining({ uid: 1000, gid: 1000 }), MAPS)).toEqual({ uid: 0, gid: 0 });
  });

  it('the process\'s own ids where the namespace does not map root', () => {
    const maps = { uidMappings: [{ containerID: 1000, hostID: 100000, size: 1 }], gidMappings: [{ containerID: 1000, hostID: 200000, size: 1 }] };
    expect(joinedUserNamespaceIds(joining({ uid: 1000, gid: 1000 }), maps)).toEqual({ uid: 1000, gid: 1000 });
  });

  it('refuses process ids the namespace does not map, with their pointer', () => {
    expect(() => joinedUserNamespaceIds(joining({ uid: 70000, gid: 0 }), MAPS)).toThrow(
      '/process/user/uid: uid 70000 is not mapped in the user namespace /proc/7/ns/user (uid_map: 0 100000 65536)',
    );
    expect(() => joinedUserNamespaceIds(joining({ uid: 0, gid: 0, additionalGids: [5, 65536] }), MAPS)).toThrow(
      '/process/user/additionalGids/1: gid 65536 is not mapped in the user namespace /proc/7/ns/user (gid_map: 0 200000 65536)',
    );
    expect(() => joinedUserNamespaceIds(joining(), { uidMappings: [], gidMappings: [] })).toThrow('(uid_map: empty)');
  });
});

describe('readUserNamespaceMaps', () => {
  it('parses /proc/<pid>/uid_map lines', () => {
    expect(parseIdMap('         0     100000      65536\n      70000          5          1\n')).toEqual([
      { containerID: 0, hostID: 100000, size: 65536 },
      { containerID: 70000, hostID: 5, size: 1 },
    ]);
  });

  it('finds a process whose ns/user is the namespace file (same inode) and reads its maps', () => {
    const proc = path.join(tmp, 'proc');
    for (const [pid, uid] of [['12', '0 0 4294967295'], ['34', '0 100000 65536']]) {
      fs.mkdirSync(path.join(proc, pid, 'ns'), { recursive: true });
      fs.writeFileSync(path.join(proc, pid, 'ns', 'user'), '');
      fs.writeFileSync(path.join(proc, pid, 'uid_map'), `${uid}\n`);
      fs.writeFileSync(path.join(proc, pid, 'gid_map'), `${uid.replace('100000', '200000')}\n`);
    }
    fs.mkdirSync(path.join(proc, 'self'));
    // a bind mount of /proc/34/ns/user shows the same namespace inode: a hard link does too
    const nsFile = path.join(tmp, 'userns');
    fs.linkSync(path.join(proc, '34', 'ns', 'user'), nsFile);
    expect(readUserNamespaceMaps(nsFile, proc)).toEqual(MAPS);
    expect(readUserNamespaceMaps(path.join(tmp, 'missing'), proc)).toBeUndefined();
    const elsewhere = path.join(tmp, 'other-ns');
    fs.writeFileSync(elsewhere, '');
    expect(readUserNamespaceMaps(elsewhere, proc)).toBeUndefined();
  });

  it('reads the real maps of a /proc/<pid>/ns/user path', () => {
    const own = fs.readFileSync('/proc/self/uid_map', 'utf8');
    expect(readUserNamespaceMaps(`/proc/${process.pid}/ns/user`)?.uidMappings).toEqual(parseIdMap(own));
  });
});
