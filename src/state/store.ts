import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';
import { inUserNamespace } from '../rootless/mode';
import { invalidIdReason, validateContainerId } from './container-id';
import { DIR_MODE, FILE_MODE, STATE_FILE, STATE_TMP_PREFIX } from './layout';
import { ContainerRecord, decodeRecord, encodeRecord } from './record';

/**
 * The state root when no --root is given: /run/ocirt for root, $XDG_RUNTIME_DIR/ocirt
 * for other users when it is set (like runc with /run/runc).
 */
export function defaultRoot(
  env: NodeJS.ProcessEnv = process.env,
  euid: number = process.geteuid ? process.geteuid() : 0,
  inUserNs: () => boolean = () => inUserNamespace(readUidMap()),
): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (!xdg || !path.isAbsolute(xdg)) return '/run/ocirt';
  if (euid !== 0) return path.join(xdg, 'ocirt');
  // Root of a user namespace (rootless podman, rootlesskit) is an ordinary user on the
  // host: as runc, its XDG_RUNTIME_DIR unless USER says root.
  if (env.USER !== 'root' && inUserNs()) return path.join(xdg, 'ocirt');
  return '/run/ocirt';
}

function readUidMap(): string {
  try {
    return fs.readFileSync('/proc/self/uid_map', 'utf8');
  } catch {
    return '';
  }
}

/**
 * `<root>/<id>/state.json` for every container (see STATE.md). Synchronous on purpose:
 * the CLI is short-lived and each call touches a few small files on tmpfs.
 */
export class StateStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** mkdir -p of the root, mode 0700 for what it creates. */
  ensureRoot(): void {
    try {
      fs.mkdirSync(this.root, { recursive: true, mode: DIR_MODE });
    } catch (err) {
      throw OcirtError.fromNode(`create state root ${this.root}`, err);
    }
  }

  /** The container's state directory. Throws on an invalid id. */
  dir(id: string): string {
    validateContainerId(id);
    return path.join(this.root, id);
  }

  /**
   * Claims `id` by creating its directory with one mkdir(2): of two creates of one id
   * exactly one wins. Creates the root when it is missing. Returns the directory.
   */
  reserve(id: string): string {
    const dir = this.dir(id);
    try {
      fs.mkdirSync(dir, { mode: DIR_MODE });
      return dir;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new OcirtError(`container with id ${id} already exists`);
      if (code !== 'ENOENT') throw OcirtError.fromNode(`create state directory ${dir}`, err);
    }
    this.ensureRoot();
    try {
      fs.mkdirSync(dir, { mode: DIR_MODE });
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new OcirtError(`container with id ${id} already exists`);
      }
      throw OcirtError.fromNode(`create state directory ${dir}`, err);
    }
  }

  /** Writes state.json atomically: `state.json.tmp-<pid>` (mode 0600), then rename. */
  write(record: ContainerRecord): void {
    const dir = this.dir(record.id);
    const file = path.join(dir, STATE_FILE);
    const tmp = path.join(dir, `${STATE_TMP_PREFIX}${process.pid}`);
    try {
      fs.writeFileSync(tmp, encodeRecord(record), { mode: FILE_MODE });
      fs.renameSync(tmp, file);
    } catch (err) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // nothing was left behind
      }
      throw OcirtError.fromNode(`write ${file}`, err);
    }
  }

  /** Reads and checks a container's record; `container does not exist` when absent. */
  read(id: string): ContainerRecord {
    const file = path.join(this.dir(id), STATE_FILE);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new OcirtError('container does not exist', { path: file });
      throw OcirtError.fromNode(`read ${file}`, err);
    }
    const record = decodeRecord(text, file);
    if (record.id !== id) {
      throw new OcirtError(`corrupt state file ${file}: it names container ${JSON.stringify(record.id)}`, { path: file });
    }
    return record;
  }

  /** True when the container's directory holds a state.json. */
  exists(id: string): boolean {
    return fs.existsSync(path.join(this.dir(id), STATE_FILE));
  }

  /** Ids of the directories under the root that hold a state.json, sorted; other entries are ignored. */
  list(): string[] {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(this.root, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw OcirtError.fromNode(`read state root ${this.root}`, err);
    }
    return entries
      .filter((e) => e.isDirectory() && invalidIdReason(e.name) === undefined)
      .filter((e) => fs.existsSync(path.join(this.root, e.name, STATE_FILE)))
      .map((e) => e.name)
      .sort();
  }

  /** rm -rf of the container's directory; nothing happens when it is missing. */
  remove(id: string): void {
    const dir = this.dir(id);
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      throw OcirtError.fromNode(`remove ${dir}`, err);
    }
  }
}
