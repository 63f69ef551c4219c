/**
 * Names inside a container's state directory `<root>/<id>/` (see STATE.md).
 * Kept in one place so the future native fast path and this code agree.
 */

/** The container record (src/state/record.ts). */
export const STATE_FILE = 'state.json';

/** Prefix of the temporary file a writer renames over state.json: `state.json.tmp-<pid>`. */
export const STATE_TMP_PREFIX = 'state.json.tmp-';

/** The fifo the init blocks on between create and start. */
export const EXEC_FIFO = 'exec.fifo';

/** The decided exec of the container's own process, for ocirt-fast (src/lifecycle/exec-template.ts). */
export const EXEC_TEMPLATE = 'exec-template.json';

/** NOTIFY_SOCKET pass-through: the directory of the container's notify socket (bind-mounted at /run/notify). */
export const NOTIFY_DIR = 'notify';

/** Mode of the root and of every container directory. */
export const DIR_MODE = 0o700;

/** Mode of state.json. */
export const FILE_MODE = 0o600;
