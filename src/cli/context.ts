import type { Globals } from './globals';
import type { Reporter } from './report';

export interface CommandContext {
  globals: Globals;
  /** The state root in effect (--root or the default). */
  root: string;
  reporter: Reporter;
}
