import * as fs from 'node:fs';
import { OcirtError } from '../native/error';

/**
 * fds 3 .. 3+count-1 must be open in the caller to be passed on (runc stats each one):
 * the LISTEN_FDS ones first, then the --preserve-fds ones.
 */
export function checkPreservedFds(count: number, listenFds = 0): void {
  for (let fd = 3; fd < 3 + count; fd++) {
    try {
      fs.fstatSync(fd);
    } catch (err) {
      const what = fd < 3 + listenFds ? `LISTEN_FDS fd ${fd}` : `preserved-fd ${fd - 3 - listenFds} (of ${count - listenFds})`;
      throw OcirtError.fromNode(`unable to stat ${what}`, err);
    }
  }
}
