import * as fs from 'node:fs';
import { native } from '../native/binding';
import { OcirtError } from '../native/error';

/**
 * A container without a mount namespace of its own made its mounts (proc, dev, masked
 * paths...) into the rootfs in the host's namespace. They are detached, deepest first,
 * when the container is deleted.
 */
export function detachMountsUnder(rootfs: string): void {
  const prefix = rootfs.endsWith('/') ? rootfs : `${rootfs}/`;
  const points = mountPoints().filter((p) => p.startsWith(prefix));
  points.sort((a, b) => b.length - a.length);
  for (const p of points) {
    try {
      native().detachMount(p);
    } catch (err) {
      const errno = (err as { errno?: number }).errno;
      if (errno === 22 /* EINVAL: already gone */ || errno === 2) continue;
      throw OcirtError.fromNode(`unmount ${p}`, err);
    }
  }
}

function mountPoints(): string[] {
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}
