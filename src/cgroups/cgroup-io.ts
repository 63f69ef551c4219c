import * as fs from 'node:fs';

/**
 * File access to cgroup directories, as an interface so that unit tests can record
 * writes or run over a scratch directory laid out like a cgroup tree.
 */
export interface CgroupIo {
  /** One write(2) of `value` (open O_WRONLY|O_TRUNC, as runc); throws the Node error. */
  write(file: string, value: string): void;
  /** The whole file; throws the Node error. */
  read(file: string): string;
  exists(file: string): boolean;
}

// libuv opens every file close-on-exec.
const WRITE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_TRUNC;

export const realIo: CgroupIo = {
  write(file, value) {
    // Not writeFileSync: cgroupfs refuses O_CREAT, and a write must be one write(2).
    const fd = fs.openSync(file, WRITE_FLAGS);
    try {
      fs.writeSync(fd, value);
    } finally {
      fs.closeSync(fd);
    }
  },
  read(file) {
    return fs.readFileSync(file, 'utf8');
  },
  exists(file) {
    return fs.existsSync(file);
  },
};

/** The content of a file, trimmed; undefined when it cannot be read. */
export function readOptional(io: CgroupIo, file: string): string | undefined {
  try {
    return io.read(file).trim();
  } catch {
    return undefined;
  }
}
