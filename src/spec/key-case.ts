// Object keys read the way Go's encoding/json matches them to struct fields, and so the
// way runc reads config.json and `update -r` input: a key that is not a known name but
// equals one case-insensitively ("pagesize", "CPU") is taken as that name.
import type { KeyNode } from './generated/known-keys';
import { childPointer } from './problems';

export type { KeyNode } from './generated/known-keys';

/** Reports a key taken under another spelling: its JSON pointer in the document, and why. */
export type KeyWarning = (pointer: string, reason: string) => void;

/**
 * Go's EqualFold against an ASCII name: ASCII letters match in either case, and the
 * Kelvin sign and the long s match k and s (their Unicode simple case folds); any
 * other non-ASCII character matches no known name.
 */
function fold(key: string): string | undefined {
  const k = key.replace(/\u212a/g, 'k').replace(/\u017f/g, 's');
  return /^[\x20-\x7e]*$/.test(k) ? k.toLowerCase() : undefined;
}

const folded = new WeakMap<Record<string, KeyNode>, Map<string, string>>();

/** The known name `key` stands for: itself, the one name it folds to, or undefined. */
function knownName(names: Record<string, KeyNode>, key: string): string | undefined {
  if (Object.hasOwn(names, key)) return key;
  let byFold = folded.get(names);
  if (!byFold) {
    // The generator refuses a schema with two names that fold alike, so this is 1:1.
    byFold = new Map(Object.keys(names).map((n) => [n.toLowerCase(), n]));
    folded.set(names, byFold);
  }
  const f = fold(key);
  return f === undefined ? undefined : byFold.get(f);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function define(out: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, not assignment: a "__proto__" key must stay a plain property.
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A name given twice in one object (exactly and in another case, or in two cases): Go
 * decodes both into the same field in document order, so the later value wins and
 * objects are merged into, key by key.
 */
function mergeAsGo(earlier: unknown, later: unknown): unknown {
  if (!isObject(earlier) || !isObject(later)) return later;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(earlier)) define(out, k, v);
  for (const [k, v] of Object.entries(later)) define(out, k, Object.hasOwn(out, k) ? mergeAsGo(out[k], v) : v);
  return out;
}

/**
 * `value` with every key the schema knows (`node`, generated from src/spec/schema)
 * spelled as the schema spells it; unknown keys and the keys of maps (annotations,
 * sysctl, unified...) are left as they are. Objects are changed in place, and only an
 * object with a key to rename is rebuilt (to keep its order): pass a value of your own.
 * `at` is the pointer of `value` in the document; `warn` is told each key taken under
 * another spelling.
 */
export function matchKeysAsGo(value: unknown, node: KeyNode | undefined, at: string, warn: KeyWarning): unknown {
  return walk(value, node, [at], warn);
}

/** `path`: the pointer of `value` as tokens after the first, a pointer itself; built only to warn. */
function walk(value: unknown, node: KeyNode | undefined, path: (string | number)[], warn: KeyWarning): unknown {
  if (!node || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (node.i) for (let i = 0; i < value.length; i++) value[i] = child(value[i], node.i, path, i, warn);
    return value;
  }
  const obj = value as Record<string, unknown>;
  if (!node.p) {
    if (node.a) for (const k of Object.keys(obj)) replace(obj, k, child(obj[k], node.a, path, k, warn));
    return obj;
  }
  const names = node.p;
  const keys = Object.keys(obj);
  if (keys.every((k) => Object.hasOwn(names, k) || knownName(names, k) === undefined)) {
    for (const k of keys) if (Object.hasOwn(names, k)) replace(obj, k, child(obj[k], names[k], path, k, warn));
    return obj;
  }
  const out: Record<string, unknown> = {};
  /** Known name → the document's key it was last read from. */
  const source = new Map<string, string>();
  for (const key of keys) {
    const name = knownName(names, key);
    if (name === undefined) {
      define(out, key, obj[key]);
      continue;
    }
    if (name !== key) warn(pointer(path, key), `taken as ${JSON.stringify(name)} (keys are matched case-insensitively, as runc does)`);
    const value = child(obj[key], names[name], path, key, warn);
    const earlier = source.get(name);
    if (earlier === undefined) {
      define(out, name, value);
    } else {
      warn(pointer(path, earlier), `is given again later as ${JSON.stringify(key)}, which is also ${JSON.stringify(name)}: the later value wins (objects are merged), as runc does`);
      define(out, name, mergeAsGo(out[name], value));
    }
    source.set(name, key);
  }
  return out;
}

function child(value: unknown, node: KeyNode, path: (string | number)[], token: string | number, warn: KeyWarning): unknown {
  if (value === null || typeof value !== 'object') return value;
  path.push(token);
  const out = walk(value, node, path, warn);
  path.pop();
  return out;
}

/** Sets obj[key] only when the walk made a new value (an object it rebuilt). */
function replace(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (obj[key] !== value) define(obj, key, value);
}

function pointer(path: (string | number)[], token: string): string {
  return childPointer(path.slice(1).reduce<string>((p, t) => childPointer(p, t), String(path[0])), token);
}
