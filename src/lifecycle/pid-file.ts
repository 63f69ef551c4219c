import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';

/** Decimal digits only, no newline, written to a temp file and renamed (as runc). */
export function writePidFile(file: string, pid: number): void {
  const target = path.resolve(file);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}`);
  try {
    fs.writeFileSync(tmp, String(pid), { mode: 0o644 });
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw OcirtError.fromNode(`write pid file ${target}`, err);
  }
}
