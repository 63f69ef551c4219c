/**
 * Which Linux security modules the host has enabled, for process.apparmorProfile,
 * process.selinuxLabel and linux.mountLabel: AppArmor as runc checks it (securityfs
 * entry present and the module parameter "enabled" is Y), SELinux when selinuxfs is
 * mounted.
 */
import * as fs from 'node:fs';

export interface LsmHostFacts {
  apparmor: {
    enabled: boolean;
    /** Where "exec <profile>" goes: the per-LSM file of newer kernels, else the shared one. */
    execAttr: string;
  };
  selinux: { enabled: boolean };
}

const read = (p: string): string | null => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};

export function gatherLsmFacts(): LsmHostFacts {
  const apparmorEnabled = fs.existsSync('/sys/kernel/security/apparmor') && (read('/sys/module/apparmor/parameters/enabled') ?? '').startsWith('Y');
  const mountinfo = read('/proc/self/mountinfo') ?? '';
  const selinuxEnabled = / - selinuxfs /.test(mountinfo) || fs.existsSync('/sys/fs/selinux/enforce');
  return {
    apparmor: {
      enabled: apparmorEnabled,
      execAttr: fs.existsSync('/proc/self/attr/apparmor/exec') ? '/proc/self/attr/apparmor/exec' : '/proc/self/attr/exec',
    },
    selinux: { enabled: selinuxEnabled },
  };
}
