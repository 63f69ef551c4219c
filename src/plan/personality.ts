/**
 * linux.personality → the personality(2) persona: the execution domain (LINUX,
 * LINUX32) with the flags of <linux/personality.h>. runc ignores the flags with a
 * warning; ocirt applies them, and refuses a name the kernel has no flag for.
 */
import type { LinuxPersonality } from '../spec/types';
import { planError, pointer } from './plan-error';

export const PERSONALITY_DOMAINS: Record<string, number> = {
  LINUX: 0x0000,
  LINUX32: 0x0008,
};

export const PERSONALITY_FLAGS: Record<string, number> = {
  UNAME26: 0x0020000,
  ADDR_NO_RANDOMIZE: 0x0040000,
  FDPIC_FUNCPTRS: 0x0080000,
  MMAP_PAGE_ZERO: 0x0100000,
  ADDR_COMPAT_LAYOUT: 0x0200000,
  READ_IMPLIES_EXEC: 0x0400000,
  ADDR_LIMIT_32BIT: 0x0800000,
  SHORT_INODE: 0x1000000,
  WHOLE_SECONDS: 0x2000000,
  STICKY_TIMEOUTS: 0x4000000,
  ADDR_LIMIT_3GB: 0x8000000,
};

export function translatePersonality(p: LinuxPersonality | undefined): number | undefined {
  if (!p) return undefined;
  const domain = Object.prototype.hasOwnProperty.call(PERSONALITY_DOMAINS, p.domain) ? PERSONALITY_DOMAINS[p.domain] : undefined;
  if (domain === undefined) {
    throw planError(pointer('linux', 'personality', 'domain'), `unknown personality domain ${JSON.stringify(p.domain)} (LINUX or LINUX32)`);
  }
  let persona = domain;
  (p.flags ?? []).forEach((flag, i) => {
    const bit = Object.prototype.hasOwnProperty.call(PERSONALITY_FLAGS, flag) ? PERSONALITY_FLAGS[flag] : undefined;
    if (bit === undefined) {
      throw planError(pointer('linux', 'personality', 'flags', i), `unknown personality flag ${JSON.stringify(flag)} (one of ${Object.keys(PERSONALITY_FLAGS).join(', ')})`);
    }
    persona |= bit;
  });
  return persona;
}
