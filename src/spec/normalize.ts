// What Go's encoding/json (and so runc) does implicitly, made explicit.
import type { Findings } from './problems';
import type { Spec } from './types';

/**
 * A copy of the parsed document with every object property whose value is null
 * removed: Go's decoder leaves a field untouched on null, i.e. treats it as absent.
 * Nulls inside arrays are kept (and rejected by the schema).
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null) continue;
    // defineProperty, not assignment: a "__proto__" key must stay a plain property.
    Object.defineProperty(out, key, { value: withoutNulls(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Fills in what the decoder would leave at Go's zero value, on a schema-valid
 * document (mutates it): a missing process.user or user.uid/gid is uid/gid 0,
 * a seccomp object with neither defaultAction nor syscalls means "no seccomp", and an
 * empty namespace path (the zero value runc cannot tell from none) means no path.
 */
export function applyGoDefaults(spec: Spec, f: Findings): void {
  const process = spec.process;
  if (process) {
    process.user ??= { uid: 0, gid: 0 };
    process.user.uid ??= 0;
    process.user.gid ??= 0;
  }
  spec.linux?.namespaces?.forEach((ns, i) => {
    if (ns.path !== '') return;
    delete ns.path;
    f.warn(`/linux/namespaces/${i}/path`, `is empty: taken as no path, so a new ${ns.type} namespace is created (as runc does); remove it or name a namespace file`);
  });
  const seccomp = spec.linux?.seccomp;
  if (seccomp && seccomp.defaultAction === undefined && (seccomp.syscalls ?? []).length === 0) {
    delete spec.linux!.seccomp;
    f.warn('/linux/seccomp', 'has neither defaultAction nor syscalls: no seccomp filter is installed');
  }
}
