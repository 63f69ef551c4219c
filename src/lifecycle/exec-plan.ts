import { OcirtError } from '../native/error';
import {
  CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER,
  CLONE_NEWUTS, EXEC_PLAN_VERSION, type ExecPlan, type NamespaceJoin, type PlanProcessAttributes,
} from '../plan/init-plan';
import { compileExecAttributes } from '../plan/seccomp-exec';
import { markRlimitsByRuntime, translateProcess } from '../plan/process';
import type { Process, Spec } from '../spec/types';
import type { RecordNamespace } from '../state/record';
import { terminalPlan } from './terminal-plan';

/**
 * Compiles what `exec` hands to ocirt-init. Pure: the caller gathers the facts (the
 * container's record, whether its user namespace is the caller's own).
 */
export interface ExecPlanInput {
  containerId: string;
  /** Host pid of the container's init, whose namespaces are joined. */
  initPid: number;
  /** The namespaces the container has (state.json `namespaces`). */
  namespaces: readonly RecordNamespace[];
  /** Host path of the rootfs: the chroot of a container without a mount namespace. */
  rootfs: string;
  /** The resolved process (exec-process.ts). */
  process: Process;
  /** The container's config (for what the process cannot override, e.g. seccomp). */
  spec: Spec;
  capLastCap?: number;
  /** The runtime's bounding set (decimal): checked when the process stays in the runtime's user namespace. */
  capBounding?: string;
  /** fds 3.. passed through, LISTEN_FDS included. */
  preserveFds: number;
  listenFds: number;
  /**
   * The container "has" a user namespace that is the caller's own (joined by a path to
   * it): setns would refuse it (EINVAL), and there is nothing to join.
   */
  userNamespaceIsOwn?: boolean;
  /** With a terminal: ocirt relays the pty itself (exec -t in the foreground). */
  terminalRelayed?: boolean;
  /** The attributes already compiled for this very process (the exec template: the create plan's). */
  attributes?: PlanProcessAttributes;
}

/** setns order and the /proc/<pid>/ns file of each kind. */
const JOIN_ORDER: ReadonlyArray<[string, string, number]> = [
  ['user', 'user', CLONE_NEWUSER],
  ['ipc', 'ipc', CLONE_NEWIPC],
  ['uts', 'uts', CLONE_NEWUTS],
  ['network', 'net', CLONE_NEWNET],
  ['pid', 'pid', CLONE_NEWPID],
  ['cgroup', 'cgroup', CLONE_NEWCGROUP],
  ['time', 'time', CLONE_NEWTIME],
  ['mount', 'mnt', CLONE_NEWNS],
];

/** The init's namespaces, user first and mount last (after it the host's /proc is gone). */
export function execNamespaces(initPid: number, kinds: readonly RecordNamespace[], userIsOwn = false): NamespaceJoin[] {
  const has = new Set(kinds.map((n) => n.type));
  return JOIN_ORDER.filter(([kind]) => has.has(kind) && !(kind === 'user' && userIsOwn)).map(([, file, flag]) => ({
    flag,
    path: `/proc/${initPid}/ns/${file}`,
  }));
}

/**
 * The container's seccomp filter (compiled for this process's noNewPrivileges) and the
 * process attributes runc's setns init applies: scheduler, I/O priority, personality,
 * memory policy, LSM labels (src/plan/seccomp-exec.ts). ocirt-init applies them in
 * addon/src/init/exec_init.cc as the container's init does. Gathers host facts
 * (libseccomp's syscall numbers) only when the config has a seccomp section.
 */
export function execSeccomp(spec: Spec, process: Process): PlanProcessAttributes {
  return compileExecAttributes(spec, process);
}

export function compileExecPlan(input: ExecPlanInput): ExecPlan {
  if (!Number.isSafeInteger(input.initPid) || input.initPid <= 0) throw new OcirtError('the container has no init process to join');
  let process;
  const ownUserNamespace = input.namespaces.some((n) => n.type === 'user') && !input.userNamespaceIsOwn;
  try {
    process = translateProcess(input.process, {
      unknown: 'error',
      capLastCap: input.capLastCap,
      hostBounding: ownUserNamespace || input.capBounding === undefined ? undefined : BigInt(input.capBounding),
    });
  } catch (err) {
    throw asProcessError(err);
  }
  // runc enters cwd as it is: a missing one is an error for exec, not created.
  process.createCwd = false;
  if (ownUserNamespace) markRlimitsByRuntime(process);
  const ownMountNamespace = input.namespaces.some((n) => n.type === 'mount');
  const terminal = terminalPlan(input.process, 4 + input.preserveFds, false, input.terminalRelayed === true);
  return {
    version: EXEC_PLAN_VERSION,
    containerId: input.containerId,
    joinNamespaces: execNamespaces(input.initPid, input.namespaces, input.userNamespaceIsOwn),
    chroot: ownMountNamespace ? null : input.rootfs,
    process,
    ...(terminal ? { terminal } : {}),
    preserveFds: input.preserveFds,
    listenFds: input.listenFds,
    ...(input.attributes ?? processAttributes(input.spec, input.process)),
  };
}

/** The compiler names config.json pointers (/process/...); here they are the process's. */
function asProcessError(err: unknown): unknown {
  if (err instanceof Error) err.message = err.message.replace(/^\/process(?=\/)/, 'process ');
  return err;
}

function processAttributes(spec: Spec, process: Process): PlanProcessAttributes {
  try {
    return execSeccomp(spec, process);
  } catch (err) {
    throw asProcessError(err);
  }
}
