import { excessiveNesting } from '../spec/nesting';
import { OcirtError } from '../native/error';
import { oversizedIntegers } from '../spec/big-integers';
import { formatProblems, validateConfig } from '../spec/validate';
import type { Process } from '../spec/types';

/**
 * The process `exec` runs, as runc decides it (exec.go getProcess, and libcontainer's
 * init config for what a process file leaves out). Pure: the caller reads the files.
 */

/** `exec ID CMD ARGS...` and its flags. */
export interface ExecCliRequest {
  kind: 'cli';
  args: string[];
  /** -e/--env NAME=VALUE, appended to the container's environment. */
  env: string[];
  cwd?: string;
  /** -u/--user uid[:gid]. */
  user?: string;
  /** --additional-gids, each a number. */
  additionalGids: string[];
  /** --cap NAME: added to the bounding, effective and permitted sets. */
  caps: string[];
  /** --no-new-privs; undefined when not given (the container's value stays). */
  noNewPrivs?: boolean;
  tty: boolean;
  apparmor?: string;
  processLabel?: string;
}

/** `exec --process FILE`: the file's text. */
export interface ExecFileRequest {
  kind: 'file';
  file: string;
  text: string;
  /** Flags (and a command) given with --process, which the file's process overrides: warned about. */
  ignored?: string[];
}

export type ExecRequest = ExecCliRequest | ExecFileRequest;

const MAX_ID = 0xfffffffe;

/** `uid[:gid]` → numbers (runc: "bad uid"/"bad gid"). */
export function parseUser(value: string): { uid: number; gid?: number } {
  const [uidText, gidText, extra] = value.split(':');
  const num = (text: string | undefined, what: string): number => {
    if (text === undefined || !/^\d+$/.test(text) || Number(text) > MAX_ID) {
      throw new OcirtError(`bad ${what}: --user must be uid[:gid] with numeric ids, got ${JSON.stringify(value)}`);
    }
    return Number(text);
  };
  if (extra !== undefined) num(undefined, 'uid');
  const uid = num(uidText, 'uid');
  return gidText === undefined ? { uid } : { uid, gid: num(gidText, 'gid') };
}

function parseGid(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > MAX_ID) {
    throw new OcirtError(`additional-gids must be a positive number, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** runc names capabilities CAP_X; `--cap sys_admin` is taken as CAP_SYS_ADMIN. */
function capabilityName(value: string): string {
  const upper = value.toUpperCase();
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

/** The container's process with the CLI's changes (runc getProcess). */
export function processFromCli(base: Process, req: ExecCliRequest): Process {
  if (req.args.length === 0 || req.args[0] === '') throw new OcirtError('exec args cannot be empty');
  const p: Process = structuredClone(base);
  p.args = [...req.args];
  if (req.cwd) p.cwd = req.cwd;
  if (req.apparmor) p.apparmorProfile = req.apparmor;
  if (req.processLabel) p.selinuxLabel = req.processLabel;
  if (req.caps.length > 0) {
    const caps = (p.capabilities ??= {});
    for (const c of req.caps.map(capabilityName)) {
      for (const set of ['bounding', 'effective', 'permitted'] as const) (caps[set] ??= []).push(c);
      // Ambient needs inheritable; only where the config has inheritable at all (runc).
      if (caps.inheritable !== undefined) (caps.ambient ??= []).push(c);
    }
  }
  p.env = [...(p.env ?? []), ...req.env];
  p.terminal = req.tty;
  if (req.noNewPrivs !== undefined) p.noNewPrivileges = req.noNewPrivs;
  p.user = { ...(p.user ?? { uid: 0, gid: 0 }) };
  if (req.user) {
    const u = parseUser(req.user);
    p.user.uid = u.uid;
    if (u.gid !== undefined) p.user.gid = u.gid;
  }
  if (req.additionalGids.length > 0) {
    p.user.additionalGids = [...(p.user.additionalGids ?? []), ...req.additionalGids.map(parseGid)];
  }
  delete p.consoleSize;
  return p;
}

/**
 * A process.json: JSON, then the runtime-spec schema and semantic rules of /process,
 * each problem named by its pointer in the file.
 */
export function processFromFile(req: ExecFileRequest): Process {
  const nested = excessiveNesting(req.text);
  if (nested) throw new OcirtError(formatProblems([nested], req.file), { path: req.file });
  let json: unknown;
  try {
    json = JSON.parse(req.text);
  } catch (err) {
    throw new OcirtError(`${req.file}: not valid JSON: ${(err as Error).message}`, { path: req.file });
  }
  const oversized = oversizedIntegers(req.text);
  if (oversized.length > 0) throw new OcirtError(formatProblems(oversized.slice(0, 1), req.file), { path: req.file });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new OcirtError(`${req.file}: must be a JSON object (a runtime-spec process)`, { path: req.file });
  }
  const result = validateConfig({ ociVersion: '1.0.2', root: { path: 'rootfs' }, process: json }, { forCreate: true });
  if (!result.ok) {
    const problems = result.problems.map((p) => ({ ...p, pointer: p.pointer.replace(/^\/process(?=\/|$)/, '') }));
    const text = formatProblems(problems, req.file);
    throw new OcirtError(problems.length === 1 ? text : `invalid process:\n${text}`, { path: req.file, problems });
  }
  return result.spec.process!;
}

/**
 * What a process file leaves out comes from the container, as runc's newInitConfig
 * takes it from the container's config: capabilities, rlimits, the AppArmor profile,
 * the SELinux label, the scheduler, the I/O priority and execCPUAffinity; and, where
 * runc always uses the container's, the umask and oomScoreAdj unless the file sets them.
 * noNewPrivileges too, where runc would take an absent one as false: a process file
 * never loosens what the container was made with unless it says so.
 */
export function withContainerDefaults(p: Process, container: Process | undefined): Process {
  const out: Process = { ...p };
  if (!container) return out;
  if (out.capabilities === undefined && container.capabilities !== undefined) out.capabilities = container.capabilities;
  if ((out.rlimits ?? []).length === 0 && container.rlimits !== undefined) out.rlimits = container.rlimits;
  if (out.noNewPrivileges === undefined && container.noNewPrivileges !== undefined) out.noNewPrivileges = container.noNewPrivileges;
  if (!out.apparmorProfile && container.apparmorProfile) out.apparmorProfile = container.apparmorProfile;
  if (!out.selinuxLabel && container.selinuxLabel) out.selinuxLabel = container.selinuxLabel;
  if (out.oomScoreAdj === undefined && container.oomScoreAdj !== undefined) out.oomScoreAdj = container.oomScoreAdj;
  if (out.scheduler === undefined && container.scheduler !== undefined) out.scheduler = container.scheduler;
  if (out.ioPriority === undefined && container.ioPriority !== undefined) out.ioPriority = container.ioPriority;
  if (out.execCPUAffinity === undefined && container.execCPUAffinity !== undefined) out.execCPUAffinity = container.execCPUAffinity;
  if (out.user?.umask === undefined && container.user?.umask !== undefined) out.user = { ...(out.user ?? { uid: 0, gid: 0 }), umask: container.user.umask };
  return out;
}

/**
 * Fields of a process file that do not apply on Linux (runtime-spec: Windows only),
 * which runc drops without a word; ocirt says so.
 */
export function ignoredProcessFields(p: Process): string[] {
  const found: string[] = [];
  if (p.commandLine !== undefined) found.push('/commandLine: Windows only; ignored');
  if (p.user?.username !== undefined) found.push('/user/username: Windows only; ignored');
  return found;
}

/** The process to run for a request, given the container's own process. */
export function resolveExecProcess(req: ExecRequest, container: Process | undefined): Process {
  if (req.kind === 'file') return withContainerDefaults(processFromFile(req), container);
  if (!container) throw new OcirtError('the container has no process to take defaults from; use --process');
  return processFromCli(container, req);
}
