import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';

/** Decimal digits only, no newline, written to a temp file and renamed (as runc). */
export function writePidFile(file: string, pid: number): void {
  const target = path.resolve(file);
  // O_EXCL on a random name: a symlink planted next to the pid file is never followed.
  for (let attempt = 0; ; attempt++) {
    const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      fs.writeFileSync(tmp, String(pid), { mode: 0o644, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 5) continue;
      throw OcirtError.fromNode(`write pid file ${target}`, err);
    }
    try {
      fs.renameSync(tmp, target);
      return;
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw OcirtError.fromNode(`write pid file ${target}`, err);
    }
  }
}
