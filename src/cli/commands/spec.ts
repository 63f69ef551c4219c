import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../../native/error';
import { unifiedCgroupHost } from '../../cgroups/unified-host';
import { boolOption, stringOption } from '../args';
import type { CommandDef, ParsedCommand } from '../command-def';
import type { CommandContext } from '../context';

export const def: CommandDef = {
  name: 'spec',
  summary: 'write a default config.json (like runc spec) into the bundle directory',
  args: [],
  options: [
    { name: 'bundle', short: 'b', value: 'dir', description: 'bundle directory (default: the current directory)' },
    { name: 'rootless', description: 'a config for a container run by an unprivileged user' },
  ],
};

export async function run(p: ParsedCommand, _ctx: CommandContext): Promise<number> {
  const { defaultConfig } = require('../../spec/default-config') as typeof import('../../spec/default-config');
  const file = path.join(path.resolve(stringOption(p, 'bundle') ?? '.'), 'config.json');
  const config = defaultConfig({ rootless: boolOption(p, 'rootless'), cgroupNamespace: unifiedCgroupHost() });
  // Byte for byte runc's format: tab-indented, no newline at the end.
  const text = JSON.stringify(config, null, '\t');
  try {
    fs.writeFileSync(file, text, { flag: 'wx', mode: 0o666 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new OcirtError(`spec: ${file} already exists; remove it first`);
    throw OcirtError.fromNode(`spec: write ${file}`, err);
  }
  return 0;
}
