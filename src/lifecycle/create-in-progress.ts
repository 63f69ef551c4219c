import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';
import { STATE_FILE } from '../state/layout';
import { isSameProcess } from '../state/liveness';
import { decodeRecord } from '../state/record';
import { sleepMs } from '../util/sleep';

/** A create is between its mkdir and its first state.json for microseconds; this is generous. */
const RESERVED_GRACE_MS = 2000;
/** How long `delete` waits for a live `create` of the same id (hooks included). */
const CREATE_WAIT_MS = 60_000;
const POLL_MS = 20;

/**
 * Blocks while another process is still creating the container in `dir`: the directory
 * exists without state.json and is younger than the grace period, or the record says
 * `creating` and names a live creator. Returns as soon as neither holds (the create
 * finished, failed, or was killed). See STATE.md, "Delete".
 */
export function waitForCreateInProgress(dir: string, id: string): void {
  const deadline = Date.now() + CREATE_WAIT_MS;
  for (;;) {
    const creator = createInProgress(dir);
    if (creator === undefined) return;
    if (Date.now() > deadline) {
      throw new OcirtError(`container ${id} is still being created${creator ? ` by pid ${creator}` : ''}; try again later`);
    }
    sleepMs(POLL_MS);
  }
}

/** The creator's pid (0 when not yet known) while a create is at work, else undefined. */
function createInProgress(dir: string): number | undefined {
  const file = path.join(dir, STATE_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    let born: number;
    try {
      const st = fs.statSync(dir);
      born = st.birthtimeMs || st.ctimeMs;
    } catch {
      return undefined; // the directory is gone too
    }
    return Date.now() - born < RESERVED_GRACE_MS ? 0 : undefined;
  }
  let record;
  try {
    record = decodeRecord(text, file);
  } catch {
    return undefined; // corrupt records are the caller's to report
  }
  const creator = record.status === 'creating' ? record.creator : undefined;
  if (!creator || creator.pid === process.pid) return undefined;
  return isSameProcess(creator.pid, creator.startTime) ? creator.pid : undefined;
}
