import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * `<root>/features~cache.json` (src/state/STATE.md): the text `features` printed, for
 * ocirt-fast to print again without Node while nothing it depends on has changed: the
 * same boot (the kernel, its modules and LSMs) and the same files (this build's bundle,
 * the addon, the libraries it loaded that decide features: libseccomp). The name is no
 * valid container id, so no container can collide with it.
 */
export const FEATURES_CACHE = 'features~cache.json';

interface CacheFile {
  bootId: string;
  files: Array<{ path: string; mtimeNs: string; size: string }>;
  text: string;
}

function fileKey(file: string): CacheFile['files'][number] {
  const st = fs.statSync(file, { bigint: true });
  return { path: file, mtimeNs: String(st.mtimeNs), size: String(st.size) };
}

/** Libraries mapped into this process whose version decides a feature. */
function loadedLibraries(): string[] {
  const maps = fs.readFileSync('/proc/self/maps', 'utf8');
  const found = new Set<string>();
  for (const m of maps.matchAll(/\s(\/\S*\/lib(?:seccomp)\.so[^\s]*)$/gm)) found.add(m[1]);
  return [...found];
}

/**
 * Best effort: a root that cannot be written (or a file that cannot be read) only means
 * the next `features` boots Node again.
 */
export function writeFeaturesCache(root: string, text: string, addon: string): void {
  try {
    const files = [process.argv[1], addon, ...loadedLibraries()].map((f) => fileKey(path.resolve(f)));
    const cache: CacheFile = { bootId: fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), files, text };
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    const file = path.join(root, FEATURES_CACHE);
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      fs.writeFileSync(tmp, JSON.stringify(cache), { mode: 0o644 });
      fs.renameSync(tmp, file);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  } catch {
    // see above
  }
}
