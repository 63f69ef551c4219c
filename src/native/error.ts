import { getSystemErrorName } from 'node:util';

/** Where an error came from, for the one-line message and the JSON log. */
export interface SysErrorInfo {
  errno?: number;
  syscall?: string;
  path?: string;
  /** Stage of the init or of the lifecycle in which it failed ("mounts", "hooks"...). */
  stage?: string;
  /** A bad config.json (or process): every problem, each with its JSON pointer. */
  problems?: ReadonlyArray<{ pointer: string; reason: string }>;
}

/**
 * The one error type ocirt throws on purpose. Like Node's own fs errors it carries
 * `code` (EPERM...), `errno`, `syscall` and `path` when a system call failed.
 * Anything else that reaches the CLI is a bug and is reported as such.
 */
const BRAND = Symbol.for('ocirt.OcirtError');

/**
 * Whether err is an OcirtError. The CLI's bundles each carry their own copy of this
 * class, so `instanceof` does not hold across them; the brand does.
 */
export function isOcirtError(err: unknown): err is OcirtError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}

export class OcirtError extends Error {
  readonly [BRAND] = true;
  readonly code?: string;
  readonly errno?: number;
  readonly syscall?: string;
  readonly path?: string;
  readonly stage?: string;
  /** A bad config.json: the JSON pointer of its (first) problem ("" for the whole document). */
  readonly pointer?: string;
  /** A bad config.json: every problem found, each with its pointer and the reason. */
  readonly problems?: ReadonlyArray<{ pointer: string; reason: string }>;
  /** Exit status the CLI uses; 1 unless a command says otherwise. */
  exitCode = 1;

  constructor(message: string, info: SysErrorInfo = {}) {
    super(message);
    this.name = 'OcirtError';
    if (info.errno !== undefined && info.errno !== 0) {
      this.errno = info.errno;
      this.code = systemErrorName(info.errno);
    }
    this.syscall = info.syscall;
    this.path = info.path;
    this.stage = info.stage;
    if (info.problems && info.problems.length > 0) {
      this.problems = info.problems;
      this.pointer = info.problems[0].pointer;
    }
  }

  /** `mount /proc on rootfs/proc: EPERM (operation not permitted)` style text. */
  static fromSys(what: string, info: SysErrorInfo & { errno: number }): OcirtError {
    const detail = describeErrno(info.errno);
    return new OcirtError(`${what}: ${detail}`, info);
  }

  /** Wraps a Node system error (fs, child_process) with context. */
  static fromNode(what: string, err: unknown): OcirtError {
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e.errno === 'number') {
      return OcirtError.fromSys(what, { errno: Math.abs(e.errno), syscall: e.syscall, path: e.path });
    }
    return new OcirtError(`${what}: ${e instanceof Error ? e.message : String(err)}`);
  }
}

function systemErrorName(errno: number): string {
  try {
    return getSystemErrorName(-Math.abs(errno));
  } catch {
    return `E${errno}`;
  }
}

const ERRNO_TEXT: Record<string, string> = {
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EEXIST: 'file exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EINVAL: 'invalid argument',
  EBUSY: 'device or resource busy',
  ELOOP: 'too many levels of symbolic links',
  ENOSPC: 'no space left on device',
  ESRCH: 'no such process',
  ENOEXEC: 'exec format error',
  EXDEV: 'invalid cross-device link',
  ENODEV: 'no such device',
  ENOSYS: 'function not implemented',
  EROFS: 'read-only file system',
  ENOMEM: 'cannot allocate memory',
  EAGAIN: 'resource temporarily unavailable',
  EBADF: 'bad file descriptor',
  ENAMETOOLONG: 'file name too long',
  ENOTSUP: 'operation not supported',
  EOPNOTSUPP: 'operation not supported',
  ETIMEDOUT: 'timed out',
};

/** `EPERM (operation not permitted)`. */
export function describeErrno(errno: number): string {
  const name = systemErrorName(errno);
  const text = ERRNO_TEXT[name];
  return text ? `${name} (${text})` : name;
}
