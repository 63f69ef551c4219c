import { OcirtError } from '../native/error';
import type { UnitProperty } from './systemd-properties';

const KEY_PREFIX = 'org.systemd.property.';

/**
 * Annotations "org.systemd.property.NAME": extra unit properties for the systemd driver,
 * as runc takes them. The value is in GVariant text form, the subset engines use:
 * `true`/`false`, a quoted string, a number (an int32, or a double with a point), or a
 * typed one: `uint64 123`, `@t 123` (also uint32/@u, int64/@x, int32/@i, boolean/@b,
 * string/@s, double/@d). A name ending in a lowercase letter + "Sec" takes seconds and
 * becomes the "USec" property (TimeoutStopSec=5 → TimeoutStopUSec=5000000).
 */
export function annotationProperties(annotations: Record<string, string> | undefined): UnitProperty[] {
  const out: UnitProperty[] = [];
  for (const [key, text] of Object.entries(annotations ?? {})) {
    if (!key.startsWith(KEY_PREFIX)) continue;
    const pointer = `/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    let name = key.slice(KEY_PREFIX.length);
    if (!/^[A-Za-z]{3,}$/.test(name)) throw new OcirtError(`${pointer}: the property name must be at least 3 ASCII letters`);
    let { signature, value } = parseVariant(text, pointer);
    const sec = /^(.*[a-z])Sec$/.exec(name);
    if (sec) {
      if (!'yqnuixtd'.includes(signature)) throw new OcirtError(`${pointer}: ${name} takes a number of seconds`);
      name = `${sec[1]}USec`;
      const micro = BigInt(Math.round(Number(value) * 1e6));
      if (micro < 0n) throw new OcirtError(`${pointer}: ${name} cannot be negative`);
      signature = 't';
      value = micro.toString();
    }
    out.push({ name, signature, value });
  }
  return out;
}

const TYPE_WORDS: Record<string, string> = {
  uint64: 't', int64: 'x', uint32: 'u', int32: 'i', uint16: 'q', int16: 'n', byte: 'y', boolean: 'b', string: 's', double: 'd',
};

const INT_RANGES: Record<string, [bigint, bigint]> = {
  y: [0n, 255n], n: [-32768n, 32767n], q: [0n, 65535n], i: [-2147483648n, 2147483647n], u: [0n, 4294967295n],
  x: [-9223372036854775808n, 9223372036854775807n], t: [0n, 18446744073709551615n],
};

function parseVariant(text: string, pointer: string): { signature: string; value: string | number | boolean } {
  const t = text.trim();
  const typed = /^(?:@([a-z])|([a-z0-9]+))\s+(.+)$/.exec(t);
  if (typed) {
    const sig = typed[1] ?? TYPE_WORDS[typed[2]];
    if (sig && (typed[1] || typed[2] in TYPE_WORDS)) return typedValue(sig, typed[3].trim(), pointer);
  }
  if (t === 'true' || t === 'false') return { signature: 'b', value: t === 'true' };
  if (/^(['"]).*\1$/.test(t)) return { signature: 's', value: t.slice(1, -1) };
  if (/^-?\d+$/.test(t)) return typedValue('i', t, pointer);
  if (/^-?\d*\.\d+$/.test(t)) return { signature: 'd', value: Number(t) };
  throw new OcirtError(`${pointer}: cannot read ${JSON.stringify(text)} as a value (e.g. true, "text", 5, uint64 5, @t 5)`);
}

function typedValue(sig: string, v: string, pointer: string): { signature: string; value: string | number | boolean } {
  if (sig === 'b') {
    if (v !== 'true' && v !== 'false') throw new OcirtError(`${pointer}: ${JSON.stringify(v)} is not true or false`);
    return { signature: 'b', value: v === 'true' };
  }
  if (sig === 's') return { signature: 's', value: /^(['"]).*\1$/.test(v) ? v.slice(1, -1) : v };
  if (sig === 'd') {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new OcirtError(`${pointer}: ${JSON.stringify(v)} is not a number`);
    return { signature: 'd', value: n };
  }
  const range = INT_RANGES[sig];
  if (!range) throw new OcirtError(`${pointer}: the type @${sig} is not supported here`);
  if (!/^-?\d+$/.test(v) || BigInt(v) < range[0] || BigInt(v) > range[1]) {
    throw new OcirtError(`${pointer}: ${JSON.stringify(v)} is not a whole number of type ${sig} (${range[0]}..${range[1]})`);
  }
  return { signature: sig, value: sig === 't' || sig === 'x' ? BigInt(v).toString() : Number(v) };
}
