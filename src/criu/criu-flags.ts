import * as path from 'node:path';
import { OcirtError } from '../native/error';
import { CG_MODE, type CgroupsMode } from './rpc-messages';

/** What checkpoint and restore were asked on the command line (runc's flags). */
export interface CriuFlags {
  /** Absolute image directory. */
  imagePath: string;
  workPath?: string;
  /** Relative to imagePath, as runc requires. */
  parentPath?: string;
  leaveRunning: boolean;
  tcpEstablished: boolean;
  tcpSkipInFlight: boolean;
  linkRemap: boolean;
  extUnixSk: boolean;
  shellJob: boolean;
  fileLocks: boolean;
  preDump: boolean;
  autoDedup: boolean;
  lazyPages: boolean;
  /** -1: none. */
  statusFd: number;
  pageServer?: { address: string; port: number };
  manageCgroupsMode?: CgroupsMode;
  /** CLONE_* bits of the namespaces made empty (network always: ocirt does not restore network devices). */
  emptyNs: number;
  lsmProfile?: string;
  lsmMountContext?: string;
}

const CLONE_NEWNET = 0x40000000;

/** --page-server ADDRESS:PORT (IPv6 in brackets). */
export function parsePageServer(text: string): { address: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new OcirtError(`--page-server ${JSON.stringify(text)}: use ADDRESS:PORT`);
  return { address: m[1] ?? m[2], port };
}

export function parseCgroupsMode(text: string | undefined): CgroupsMode | undefined {
  if (text === undefined || text === '') return undefined;
  if (text === 'default' || !Object.hasOwn(CG_MODE, text)) {
    throw new OcirtError(`--manage-cgroups-mode ${JSON.stringify(text)}: must be soft, full, strict or ignore`);
  }
  return text as CgroupsMode;
}

/** --empty-ns: only "network" is known (as runc); the network namespace is always in the mask. */
export function emptyNamespaceMask(names: string[]): number {
  for (const n of names) {
    if (n !== 'network') throw new OcirtError(`--empty-ns ${JSON.stringify(n)}: namespace not supported (only network)`);
  }
  return CLONE_NEWNET;
}

/** --parent-path: relative, resolved against the image directory (which must hold it). */
export function checkParentPath(parent: string | undefined): string | undefined {
  if (!parent) return undefined;
  if (path.isAbsolute(parent)) throw new OcirtError(`--parent-path ${parent}: must be relative to --image-path`);
  return parent;
}
