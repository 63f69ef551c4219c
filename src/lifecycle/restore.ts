import * as fs from 'node:fs';
import * as path from 'node:path';
import { newCgroupDriver, type CgroupManager } from '../cgroups/select-driver';
import { restoreRequest, type JoinedNamespace } from '../criu/criu-options';
import type { CriuFlags } from '../criu/criu-flags';
import { mountFacts, restoreMountPoints } from '../criu/mount-facts';
import { criuRequest } from '../criu/swrk';
import { native } from '../native/binding';
import { isOcirtError, OcirtError } from '../native/error';
import { readStartTime } from '../state/liveness';
import { StateStore } from '../state/store';
import { loadBundle } from './bundle';
import { DESCRIPTORS_FILE } from './checkpoint';
import { sendToConsoleSocket } from './console-socket';
import { closeFd, containerPlan, criuLogError, makeDirectory, openDirectory } from './criu-common';
import { deleteContainer } from './delete';
import { destroyContainer } from './destroy';
import { saveContainerConfig } from './exec-config';
import { SignalForwarder } from './exec-wait';
import { type ExitStatus, ProcessExit } from './process-exit';
import { refuseFrozenCgroup } from './frozen-cgroup';
import { runHooks, type HookState } from './hooks';
import { hookStateOf, newContainerRecord } from './new-record';
import { checkCgroupEmpty } from './non-empty-cgroup';
import { writePidFile } from './pid-file';
import { signalIfSame, waitGone } from './signal-process';

export interface RestoreOptions {
  root: string;
  id: string;
  bundle: string;
  criu: string;
  flags: CriuFlags;
  consoleSocket?: string;
  pidFile?: string;
  detach: boolean;
  noSubreaper: boolean;
  cgroupManager?: CgroupManager;
  warn: (m: string) => void;
  debug?: (m: string) => void;
}


/**
 * `restore ID`: a new container, made from the bundle's config.json like `create`, whose
 * processes CRIU brings back from the image instead of an init starting. It is
 * `running` once this returns (-d) or until its process exits (without -d: ocirt
 * waits, passes signals on, deletes it and exits with its status, as `run`). The
 * prestart and createRuntime hooks run when CRIU has made the namespaces, as runc runs
 * them. Any failure removes everything made: state directory, cgroup, restored processes.
 */
export async function restoreContainer(opts: RestoreOptions): Promise<number> {
  const store = new StateStore(opts.root);
  store.dir(opts.id); // the id is checked before anything else
  const { flags } = opts;
  const descriptors = readDescriptors(flags.imagePath);
  const bundle = loadBundle(opts.bundle);
  const spec = bundle.spec;
  const terminal = spec.process?.terminal === true;
  if (terminal && !opts.consoleSocket) throw new OcirtError('the container has a terminal (process.terminal): restore needs --console-socket');
  if (!terminal && opts.consoleSocket) throw new OcirtError('cannot use console socket if the container has no terminal (process.terminal)');
  const joined: JoinedNamespace[] = (spec.linux?.namespaces ?? []).filter((n) => n.path).map((n) => ({ type: n.type, path: n.path! }));
  if (joined.some((n) => n.type === 'cgroup')) throw new OcirtError('restore cannot join a cgroup namespace by path (CRIU cannot)');
  if (flags.workPath) makeDirectory(flags.workPath, 'work directory');

  const cgroups = newCgroupDriver(spec.linux?.cgroupsPath || opts.id, {
    manager: opts.cgroupManager,
    systemdPath: spec.linux?.cgroupsPath,
    containerId: opts.id,
    rootless: false,
    annotations: spec.annotations,
  });
  refuseFrozenCgroup(cgroups);
  store.ensureRoot();
  const stateDir = store.reserve(opts.id);
  try {
    checkCgroupEmpty(cgroups, opts.warn);
  } catch (err) {
    store.remove(opts.id);
    throw err;
  }
  const record = newContainerRecord({ id: opts.id, bundle, spec, stateDir, cgroups, owner: '', rootless: false });

  const hookState = (status: string): HookState => hookStateOf(record, status);

  if (!opts.detach && !opts.noSubreaper) native().setChildSubreaper();
  const forwarder = opts.detach ? undefined : new SignalForwarder();
  let exit: ProcessExit | undefined;
  const criuRoot = path.join(stateDir, 'criu-root');
  let mounted = false;
  let imagesDir: number | undefined;
  let workDir: number | undefined;
  const nsFds: number[] = [];
  try {
    store.write(record);
    cgroups.create(spec.linux?.resources, { warn: opts.warn });
    saveContainerConfig(stateDir, spec);
    const plan = containerPlan(spec, opts.id, bundle.dir, stateDir, cgroups.layout());
    makeMountPoints(bundle.rootfs, restoreMountPoints(plan));
    // CRIU wants its root to be a mount point whose parent is not overmounted.
    fs.mkdirSync(criuRoot, { mode: 0o755 });
    native().bindMount(bundle.rootfs, criuRoot);
    mounted = true;
    imagesDir = openDirectory(flags.imagePath, 'image directory');
    workDir = flags.workPath ? openDirectory(flags.workPath, 'work directory') : undefined;
    const req = restoreRequest({
      flags,
      fds: { imagesDir, workDir },
      annotations: record.annotations,
      root: criuRoot,
      mounts: mountFacts(plan),
      hasMaskedPaths: plan.maskedPaths.length > 0,
      joinedNamespaces: joined,
      descriptors,
    });
    for (const file of req.nsFiles) {
      try {
        nsFds.push(fs.openSync(file, 'r'));
      } catch (err) {
        throw OcirtError.fromNode(`open namespace ${file} (a namespace joined by path must exist)`, err);
      }
    }
    opts.debug?.(`restore: criu restore from ${flags.imagePath} into ${bundle.rootfs}`);
    let restoredPid = 0;
    try {
      const { resp } = await criuRequest(req, {
        criu: opts.criu,
        stdio: ['inherit', 'inherit', 'inherit'],
        extraFds: nsFds,
        beforeRequest: (criuPid) => {
          // CRIU restores the processes into the cgroup it runs in (runc's criuApplyCgroups).
          cgroups.join(criuPid);
          req.opts.cgRoot = cgroupRoots(criuPid);
        },
        onNotify: async (script, pid, fds) => {
          switch (script) {
            case 'setup-namespaces':
              record.pid = pid;
              await runHooks('prestart', spec.hooks?.prestart ?? [], hookState('creating'), opts.debug);
              await runHooks('createRuntime', spec.hooks?.createRuntime ?? [], hookState('creating'), opts.debug);
              break;
            case 'orphan-pts-master':
              if (fds[0] !== undefined && opts.consoleSocket) sendToConsoleSocket(opts.consoleSocket, fds[0], 'orphan-pts-master');
              break;
            case 'post-restore':
              restoredPid = pid;
              record.pid = pid;
              record.initStartTime = readStartTime(pid) ?? '';
              store.write(record);
              break;
          }
        },
      });
      restoredPid = resp.restore?.pid ?? restoredPid;
    } catch (err) {
      const message = isOcirtError(err) ? err.message : String(err);
      throw new OcirtError(`${message}: ${criuLogError(flags.workPath ?? flags.imagePath, 'restore.log')}`);
    }
    if (!restoredPid) throw new OcirtError('criu restore answered without the restored process\'s pid');
    record.pid = restoredPid;
    record.initStartTime = readStartTime(restoredPid) ?? '';
    record.status = 'running';
    delete record.creator;
    store.write(record);
    forwarder?.target(record.pid, record.initStartTime);
    if (forwarder) exit = ProcessExit.open(record.pid, record.initStartTime, `wait for the process in ${opts.id}`);
    if (opts.pidFile) writePidFile(opts.pidFile, restoredPid);
    opts.debug?.(`container ${opts.id} restored: pid ${restoredPid}`);
  } catch (err) {
    forwarder?.stop();
    if (record.pid > 0 && record.initStartTime && signalIfSame(record.pid, record.initStartTime, 9)) waitGone(record.pid, record.initStartTime);
    destroyContainer(record, { killInit: true, warn: opts.warn });
    cgroups.rollback();
    if (mounted) unmountQuietly(criuRoot);
    mounted = false;
    store.remove(opts.id);
    throw err;
  } finally {
    if (mounted) unmountQuietly(criuRoot);
    removeEmptyDir(criuRoot);
    closeFd(imagesDir);
    closeFd(workDir);
    for (const fd of nsFds) closeFd(fd);
  }
  if (!forwarder || !exit) return 0;
  let status: ExitStatus;
  try {
    status = await exit.wait(`wait for the process in ${opts.id}`);
  } finally {
    forwarder.stop();
  }
  await deleteContainer(opts.root, opts.id, true, opts.warn, opts.debug);
  return status.code ?? 128 + (status.signal ?? 0);
}

function readDescriptors(imagePath: string): string[] {
  const file = path.join(imagePath, DESCRIPTORS_FILE);
  if (!fs.existsSync(path.join(imagePath, 'inventory.img'))) {
    const dirExists = fs.statSync(imagePath, { throwIfNoEntry: false })?.isDirectory();
    throw new OcirtError(dirExists ? `${imagePath} holds no checkpoint (no inventory.img)` : `image directory ${imagePath} does not exist`, { path: imagePath });
  }
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new OcirtError(`${file} is missing: not a checkpoint of ocirt or runc (or only a pre-dump)`, { path: file });
    throw new OcirtError(`${file}: ${(err as Error).message}`, { path: file });
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new OcirtError(`${file}: must be a JSON list of strings`, { path: file });
  return value as string[];
}

/** Controller → cgroup path of CRIU itself, which restored processes take (cg_root). */
function cgroupRoots(pid: number): Array<{ ctrl?: string; path: string }> {
  const text = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  const out: Array<{ ctrl?: string; path: string }> = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    out.push(m[1] ? { ctrl: m[1], path: m[2] } : { path: m[2] });
  }
  return out;
}

/** Missing mount points made in the rootfs, as create's init would (never through a symlink). */
function makeMountPoints(rootfs: string, points: Array<{ destination: string; createAs: 'dir' | 'file' }>): void {
  for (const p of points) {
    const target = path.join(rootfs, p.destination);
    if (fs.lstatSync(target, { throwIfNoEntry: false })) continue;
    if (hasSymlink(rootfs, path.dirname(p.destination))) continue;
    try {
      if (p.createAs === 'dir') fs.mkdirSync(target, { recursive: true, mode: 0o755 });
      else {
        fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
        fs.closeSync(fs.openSync(target, fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW, 0o644));
      }
    } catch (err) {
      throw OcirtError.fromNode(`make mount point ${p.destination} in ${rootfs}`, err);
    }
  }
}

function hasSymlink(rootfs: string, dir: string): boolean {
  let cur = rootfs;
  for (const part of dir.split('/').filter(Boolean)) {
    cur = path.join(cur, part);
    const st = fs.lstatSync(cur, { throwIfNoEntry: false });
    if (!st) return false;
    if (st.isSymbolicLink()) return true;
  }
  return false;
}

function removeEmptyDir(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // not made, or already removed with the state directory
  }
}

function unmountQuietly(dir: string): void {
  try {
    native().detachMount(dir);
  } catch {
    // not mounted
  }
}
