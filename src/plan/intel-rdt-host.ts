import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Linux } from '../spec/types';
import type { IntelRdtHostFacts } from './intel-rdt';

/** Where resctrl is mounted and what it offers (only looked at when linux.intelRdt is set). */
export function gatherIntelRdtFacts(linux: Linux | undefined): IntelRdtHostFacts {
  let mount: string | null = null;
  try {
    for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const sep = line.indexOf(' - ');
      if (sep > 0 && line.slice(sep + 3).startsWith('resctrl ')) {
        mount = line.slice(0, sep).split(' ')[4];
        break;
      }
    }
  } catch {
    // no mountinfo: no resctrl
  }
  const has = (p: string) => mount !== null && fs.existsSync(path.join(mount, p));
  const clos = linux?.intelRdt?.closID;
  return { mount, l3: has('info/L3'), mb: has('info/MB'), monitoring: has('info/L3_MON'), closExists: !!clos && has(clos) };
}
