import * as path from 'node:path';
import { boolOption, intOption, stringOption } from '../args';
import type { OptionDef, ParsedCommand } from '../command-def';
import { checkParentPath, emptyNamespaceMask, parseCgroupsMode, parsePageServer, type CriuFlags } from '../../criu/criu-flags';

/** Options checkpoint and restore share (runc's names). */
export const sharedCriuOptionDefs: OptionDef[] = [
  { name: 'image-path', value: 'dir', description: 'directory of the CRIU image (default ./checkpoint)' },
  { name: 'work-path', value: 'dir', description: 'directory for CRIU\'s work files and log (default: the image directory)' },
  { name: 'tcp-established', description: 'allow open TCP connections' },
  { name: 'ext-unix-sk', description: 'allow external unix sockets' },
  { name: 'shell-job', description: 'allow shell jobs (a terminal not made by the runtime)' },
  { name: 'file-locks', description: 'handle file locks' },
  { name: 'manage-cgroups-mode', value: 'soft|full|strict|ignore', description: 'what CRIU does with cgroups (default soft)' },
  { name: 'empty-ns', value: 'network', repeat: true, description: 'make this namespace but do not restore its contents' },
  { name: 'auto-dedup', description: 'deduplicate memory images as they are written' },
  { name: 'lazy-pages', description: 'restore memory pages lazily (userfaultfd)' },
];

/** The flags CRIU gets, checked; the image path is made absolute against the working directory. */
export function criuFlags(p: ParsedCommand): CriuFlags {
  const page = stringOption(p, 'page-server');
  const empty = p.options['empty-ns'];
  return {
    imagePath: path.resolve(stringOption(p, 'image-path') || 'checkpoint'),
    ...(stringOption(p, 'work-path') ? { workPath: path.resolve(stringOption(p, 'work-path')!) } : {}),
    ...(checkParentPath(stringOption(p, 'parent-path')) ? { parentPath: stringOption(p, 'parent-path') } : {}),
    leaveRunning: boolOption(p, 'leave-running'),
    tcpEstablished: boolOption(p, 'tcp-established'),
    tcpSkipInFlight: boolOption(p, 'tcp-skip-in-flight'),
    linkRemap: boolOption(p, 'link-remap'),
    extUnixSk: boolOption(p, 'ext-unix-sk'),
    shellJob: boolOption(p, 'shell-job'),
    fileLocks: boolOption(p, 'file-locks'),
    preDump: boolOption(p, 'pre-dump'),
    autoDedup: boolOption(p, 'auto-dedup'),
    lazyPages: boolOption(p, 'lazy-pages'),
    statusFd: intOption(p, 'status-fd', -1),
    ...(page ? { pageServer: parsePageServer(page) } : {}),
    ...(parseCgroupsMode(stringOption(p, 'manage-cgroups-mode')) ? { manageCgroupsMode: parseCgroupsMode(stringOption(p, 'manage-cgroups-mode')) } : {}),
    emptyNs: emptyNamespaceMask(Array.isArray(empty) ? empty : typeof empty === 'string' ? [empty] : []),
    ...(stringOption(p, 'lsm-profile') ? { lsmProfile: stringOption(p, 'lsm-profile') } : {}),
    ...(stringOption(p, 'lsm-mount-context') ? { lsmMountContext: stringOption(p, 'lsm-mount-context') } : {}),
  };
}
