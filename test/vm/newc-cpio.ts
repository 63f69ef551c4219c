// An initramfs is a "newc" cpio archive. Writing the format here (a fixed ASCII header
// per entry, 4-byte padding) spares the harness a dependency on the cpio package.

export type CpioEntry =
  | { path: string; type: 'dir'; mode?: number }
  | { path: string; type: 'file'; data: Buffer; mode?: number }
  | { path: string; type: 'symlink'; target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

function header(ino: number, mode: number, size: number, nameLen: number): string {
  const hex = (v: number) => v.toString(16).padStart(8, '0');
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  return '070701' + [ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, nameLen, 0].map(hex).join('');
}

function record(ino: number, name: string, mode: number, data: Buffer): Buffer[] {
  const nameBuf = Buffer.from(`${name}\0`);
  const head = Buffer.from(header(ino, mode, data.length, nameBuf.length));
  return [head, nameBuf, pad4(head.length + nameBuf.length), data, pad4(data.length)];
}

/** The archive bytes (uncompressed; the kernel also takes it gzipped). */
export function newcArchive(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((e, i) => {
    const name = e.path.replace(/^\/+/, '');
    if (e.type === 'dir') parts.push(...record(i + 1, name, S_IFDIR | (e.mode ?? 0o755), Buffer.alloc(0)));
    else if (e.type === 'file') parts.push(...record(i + 1, name, S_IFREG | (e.mode ?? 0o644), e.data));
    else parts.push(...record(i + 1, name, S_IFLNK | 0o777, Buffer.from(e.target)));
  });
  parts.push(...record(0, 'TRAILER!!!', 0, Buffer.alloc(0)));
  return Buffer.concat(parts);
}
