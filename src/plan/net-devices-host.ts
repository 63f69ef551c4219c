import * as fs from 'node:fs';
import type { Linux } from '../spec/types';
import { validInterfaceName, type NetDeviceHostFacts } from './net-devices';

/** Which interfaces named in linux.netDevices exist in the runtime's network namespace. */
export function gatherNetDeviceFacts(linux: Linux | undefined): NetDeviceHostFacts {
  const existing = Object.keys(linux?.netDevices ?? {}).filter((n) => validInterfaceName(n) && fs.existsSync(`/sys/class/net/${n}`));
  return { existing };
}
