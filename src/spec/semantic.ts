// Checks of config.json that the JSON schema cannot express. Runs on a document the
// schema has accepted, so field types can be trusted here.
import { checkIdMappings } from './id-mappings';
import { childPointer, Findings, showValue } from './problems';
import { checkLinux } from './semantic-linux';
import { checkNamespaceUse, namespaceTable } from './semantic-namespaces';
import { checkProcess, type ProcessCheckOptions } from './semantic-process';
import type { HookName, Mount, Spec } from './types';

export interface SemanticOptions extends ProcessCheckOptions {
  /**
   * Require what `create`/`run` need beyond the schema: /root and /process
   * (runc: "root must be specified", "process property must not be empty").
   */
  forCreate: boolean;
}

export const DEFAULT_SEMANTIC_OPTIONS: SemanticOptions = { forCreate: true, unknownCapabilities: 'error' };

const HOOK_NAMES: HookName[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

export function checkSemantics(spec: Spec, options: SemanticOptions = DEFAULT_SEMANTIC_OPTIONS): Findings {
  const f = new Findings();
  if (options.forCreate) {
    if (!spec.root) f.error('/root', 'is required');
    if (!spec.process) f.error('/process', 'is required');
  }
  if (spec.process) checkProcess(spec.process, f, options);
  spec.mounts?.forEach((m, i) => checkMount(m, childPointer('/mounts', i), f));
  checkHooks(spec, f);
  const ns = namespaceTable(spec, f);
  checkNamespaceUse(spec, ns, f);
  if (spec.linux) checkLinux(spec.linux, f);
  return f;
}

function checkMount(m: Mount, at: string, f: Findings): void {
  // runc still accepts relative destinations (taken relative to "/") with a
  // deprecation warning; so does ocirt, to stay a drop-in.
  if (!m.destination.startsWith('/')) {
    f.warn(`${at}/destination`, `is relative (${showValue(m.destination)}); it is taken relative to / — use an absolute path`);
  }
  for (const key of ['destination', 'source', 'type'] as const) {
    if (m[key]?.includes('\0')) f.error(`${at}/${key}`, 'must not contain a NUL byte');
  }
  if ((m.uidMappings === undefined) !== (m.gidMappings === undefined)) {
    const missing = m.uidMappings === undefined ? 'uidMappings' : 'gidMappings';
    f.error(`${at}/${missing}`, 'is required: an id-mapped mount needs both uidMappings and gidMappings');
  }
  if (m.uidMappings) checkIdMappings(m.uidMappings, `${at}/uidMappings`, f);
  if (m.gidMappings) checkIdMappings(m.gidMappings, `${at}/gidMappings`, f);
}

function checkHooks(spec: Spec, f: Findings): void {
  for (const name of HOOK_NAMES) {
    spec.hooks?.[name]?.forEach((hook, i) => {
      if (!hook.path.startsWith('/')) {
        f.error(childPointer(`/hooks/${name}`, i) + '/path', `must be an absolute path, got ${showValue(hook.path)}`);
      }
    });
  }
}
