/**
 * Declarative command definitions. One table per verb feeds both the small argv parser
 * (src/cli/args.ts, on every call) and commander (only to render --help), so the hot
 * verbs never load commander.
 */
export interface OptionDef {
  /** Long name without dashes: "bundle". */
  name: string;
  short?: string;
  /** Name of the value ("dir"); absent for a boolean flag. */
  value?: string;
  description: string;
  /** The option may be given several times; values are collected. */
  repeat?: boolean;
  /** Hidden from --help (accepted for compatibility). */
  hidden?: boolean;
}

export interface ArgumentDef {
  name: string;
  required: boolean;
  /** Takes the rest of argv. */
  rest?: boolean;
}

export interface CommandDef {
  name: string;
  summary: string;
  args: ArgumentDef[];
  options: OptionDef[];
  /** Options end at the first positional argument (exec: the command's own flags follow). */
  stopAtPositional?: boolean;
}

export interface ParsedCommand {
  args: string[];
  /** Option name → value: string, boolean, or string[] for repeatable ones. */
  options: Record<string, string | boolean | string[]>;
}

export const GLOBAL_OPTIONS: OptionDef[] = [
  { name: 'root', value: 'dir', description: 'state directory (default /run/ocirt, or $XDG_RUNTIME_DIR/ocirt when not root)' },
  { name: 'log', value: 'file', description: 'append errors (and --debug messages) to this file' },
  { name: 'log-format', value: 'text|json', description: 'format of --log lines (default text)' },
  { name: 'debug', description: 'log debug messages' },
  { name: 'systemd-cgroup', description: 'use the systemd cgroup driver (cgroupsPath slice:prefix:name)' },
  { name: 'cgroup-manager', value: 'cgroupfs|systemd|disabled', description: 'cgroup driver' },
  { name: 'rootless', value: 'true|false|auto', description: 'rootless mode (default auto)' },
  { name: 'criu', value: 'path', description: 'the criu binary that checkpoint and restore run (default: criu in PATH, /usr/sbin, /sbin)' },
];
