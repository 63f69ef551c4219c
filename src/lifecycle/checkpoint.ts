import * as fs from 'node:fs';
import * as path from 'node:path';
import { openCgroupDriver } from '../cgroups/select-driver';
import { dumpRequest } from '../criu/criu-options';
import type { CriuFlags } from '../criu/criu-flags';
import { mountFacts } from '../criu/mount-facts';
import { REQ_TYPE } from '../criu/rpc-messages';
import { criuRequest } from '../criu/swrk';
import { isOcirtError, OcirtError } from '../native/error';
import { loadContainer } from './container';
import { closeFd, containerPlan, criuLogError, makeDirectory, openDirectory } from './criu-common';
import { deleteContainer } from './delete';
import { loadContainerConfig } from './exec-config';

export interface CheckpointOptions {
  root: string;
  id: string;
  criu: string;
  flags: CriuFlags;
  warn: (m: string) => void;
  debug?: (m: string) => void;
}

/** runc writes what fds 0-2 of the init were, so that restore can give pipes new ends. */
export const DESCRIPTORS_FILE = 'descriptors.json';

/**
 * `checkpoint ID`: CRIU dumps the running (or paused) container into the image
 * directory. Afterwards the container is gone (CRIU killed it; ocirt deletes it as
 * `delete` would, poststop hooks included) unless --leave-running or --pre-dump, which
 * leave it as it was. If CRIU fails, it lets the processes go: the container is in the
 * state it was in before (running, or paused when it was paused).
 */
export async function checkpointContainer(opts: CheckpointOptions): Promise<void> {
  const { record, status, dir } = loadContainer(opts.root, opts.id);
  if (status !== 'running' && status !== 'paused') throw new OcirtError(`container cannot be checkpointed in ${status} state`);
  const { flags } = opts;
  makeDirectory(flags.imagePath, 'image directory');
  if (flags.parentPath) {
    const parent = path.join(flags.imagePath, flags.parentPath);
    if (!fs.statSync(parent, { throwIfNoEntry: false })?.isDirectory()) {
      throw new OcirtError(`--parent-path ${flags.parentPath}: ${parent} is not a directory (the pre-dump's image)`);
    }
  }
  if (flags.workPath) makeDirectory(flags.workPath, 'work directory');
  if (flags.statusFd >= 0) checkStatusFd(flags.statusFd);

  const spec = loadContainerConfig(dir, record.bundle);
  const cgroups = openCgroupDriver(record.cgroup);
  const plan = containerPlan(spec, opts.id, record.bundle, dir, cgroups.layout());
  const imagesDir = openDirectory(flags.imagePath, 'image directory');
  const workDir = flags.workPath ? openDirectory(flags.workPath, 'work directory') : undefined;
  try {
    if (flags.preDump || flags.lazyPages) await checkFeatures(opts.criu, flags, imagesDir);
    const req = dumpRequest({
      flags,
      fds: { imagesDir, workDir },
      annotations: record.annotations,
      rootfs: record.rootfs,
      pid: record.pid,
      mounts: mountFacts(plan),
      maskedFiles: plan.maskedPaths.filter((p) => isFileInContainer(record.pid, p)),
      externalNamespaces: record.namespaces
        .filter((n) => (n.type === 'network' || n.type === 'pid') && n.path)
        .map((n) => ({ type: n.type, path: n.path!, inode: fs.statSync(n.path!).ino })),
      freezeCgroup: freezerOf(record.cgroup.paths),
      ...(flags.lazyPages && flags.statusFd >= 0 ? { statusFd: flags.statusFd } : {}),
    });
    if (!flags.preDump) writeDescriptors(flags.imagePath, record.pid);
    opts.debug?.(`checkpoint: criu ${flags.preDump ? 'pre-dump' : 'dump'} of pid ${record.pid} into ${flags.imagePath}`);
    try {
      await criuRequest(req, { criu: opts.criu });
    } catch (err) {
      const logDir = flags.workPath ?? flags.imagePath;
      const now = loadContainer(opts.root, opts.id).status;
      const message = isOcirtError(err) ? err.message : String(err);
      throw new OcirtError(`${message}: ${criuLogError(logDir, req.opts.logFile!)}; the container is ${now === 'stopped' ? 'stopped' : `still ${now}`}`);
    }
  } finally {
    closeFd(imagesDir);
    closeFd(workDir);
  }
  if (!flags.leaveRunning && !flags.preDump) {
    // CRIU killed the processes; the rest of the container goes as with delete --force.
    await deleteContainer(opts.root, opts.id, true, opts.warn, opts.debug);
  }
}

/** The cgroup CRIU freezes: the v1 freezer's, else the v2 one (CRIU ≥ 3.14). Frozen already (paused), CRIU leaves it frozen. */
function freezerOf(paths: Record<string, string>): string | undefined {
  const v1 = Object.entries(paths).find(([k]) => k !== 'unified' && k.split(',').includes('freezer'))?.[1];
  return v1 ?? paths.unified;
}

function isFileInContainer(pid: number, p: string): boolean {
  const st = fs.statSync(`/proc/${pid}/root/${p}`, { throwIfNoEntry: false });
  return st !== undefined && !st.isDirectory();
}

function writeDescriptors(imagePath: string, pid: number): void {
  const fds = [0, 1, 2].map((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '/dev/null';
    }
  });
  fs.writeFileSync(path.join(imagePath, DESCRIPTORS_FILE), JSON.stringify(fds), { mode: 0o600 });
}

function checkStatusFd(fd: number): void {
  let flags: number;
  try {
    const info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    flags = parseInt(/flags:\s*(\d+)/.exec(info)?.[1] ?? '0', 8);
  } catch (err) {
    throw OcirtError.fromNode(`--status-fd ${fd}`, err);
  }
  if ((flags & 3) === 0) throw new OcirtError(`--status-fd ${fd}: not open for writing`);
}

/** --pre-dump needs memory tracking, --lazy-pages userfaultfd: asked of CRIU first, as runc does. */
async function checkFeatures(criu: string, flags: CriuFlags, imagesDir: number): Promise<void> {
  const wanted = { ...(flags.preDump ? { memTrack: true } : {}), ...(flags.lazyPages ? { lazyPages: true } : {}) };
  const { resp } = await criuRequest({ type: REQ_TYPE.FEATURE_CHECK, features: wanted, opts: { imagesDirFd: imagesDir } }, { criu });
  const missing = Object.keys(wanted).filter((k) => resp.features?.[k as keyof typeof wanted] === false);
  if (missing.length) {
    const names = missing.map((k) => (k === 'memTrack' ? 'memory tracking (for --pre-dump)' : 'lazy pages'));
    throw new OcirtError(`criu lacks ${names.join(' and ')} on this kernel`);
  }
}
