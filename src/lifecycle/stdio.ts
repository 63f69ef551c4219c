import type { Stream } from 'node:stream';

/**
 * One of a container process's stdin, stdout, stderr, as child_process takes it:
 * this process's own ('inherit'), a new pipe whose other end the caller gets as a stream
 * ('pipe': a socket pair of ours, so that the stream outlives the exec helper, which exits
 * once it has forked the process: src/lifecycle/init-process.ts), /dev/null ('ignore'), an open fd, or a
 * stream backed by an fd (a file stream once open, a socket).
 */
export type StdioSlot = 'inherit' | 'pipe' | 'ignore' | number | Stream;
