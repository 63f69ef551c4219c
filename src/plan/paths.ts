import * as path from 'node:path';

/**
 * An absolute, lexically clean container path: `dev//pts/` is `/dev/pts`, `/a/../b` is
 * `/b` (the init resolves it inside the rootfs, so `..` can never leave it anyway).
 * A relative path is taken relative to `/`, as runc does (with a deprecation warning).
 */
export function containerPath(p: string): string {
  return path.posix.resolve('/', p);
}

/**
 * A host path as runc computes it for bind sources and root.path: an absolute path is
 * kept as it is, a relative one is joined to the bundle directory (and so cleaned).
 */
export function hostPath(bundle: string, p: string): string {
  return path.posix.isAbsolute(p) ? p : path.posix.join(bundle, p);
}
