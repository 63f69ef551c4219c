/**
 * The few protobuf (proto2) wire rules CRIU's RPC messages need: varints (int32, uint32,
 * bool, enums), length-delimited fields (strings, nested messages) and repeated fields
 * written one element each. A message is described by a field table, so the encoder
 * never guesses a number or a wire type.
 */

export type FieldKind = 'int32' | 'uint32' | 'bool' | 'enum' | 'string' | 'message';

export interface FieldSpec {
  no: number;
  kind: FieldKind;
  repeated?: boolean;
  /** For kind 'message': the nested message's table. */
  message?: MessageSpec;
}

export type MessageSpec = Record<string, FieldSpec>;

export type MessageValue = { [name: string]: unknown };

const VARINT = 0;
const LEN = 2;

export function encodeMessage(spec: MessageSpec, value: MessageValue): Buffer {
  const out: Buffer[] = [];
  for (const [name, field] of Object.entries(spec)) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    const items = field.repeated ? (v as unknown[]) : [v];
    for (const item of items) out.push(encodeField(field, item, name));
  }
  return Buffer.concat(out);
}

function encodeField(field: FieldSpec, v: unknown, name: string): Buffer {
  switch (field.kind) {
    case 'bool':
      return Buffer.concat([key(field.no, VARINT), varint(v ? 1 : 0)]);
    case 'int32':
    case 'enum':
    case 'uint32': {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`protobuf field ${name}: ${String(v)} is not an integer`);
      // int32 negatives are sign-extended to 64 bits on the wire (10 bytes).
      return Buffer.concat([key(field.no, VARINT), varint(BigInt.asUintN(64, BigInt(v)))]);
    }
    case 'string': {
      const bytes = Buffer.from(String(v), 'utf8');
      return Buffer.concat([key(field.no, LEN), varint(bytes.length), bytes]);
    }
    case 'message': {
      const bytes = encodeMessage(field.message!, v as MessageValue);
      return Buffer.concat([key(field.no, LEN), varint(bytes.length), bytes]);
    }
  }
}

function key(no: number, wireType: number): Buffer {
  return varint(no * 8 + wireType);
}

function varint(n: number | bigint): Buffer {
  let x = BigInt(n);
  const bytes: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) b |= 0x80;
    bytes.push(b);
  } while (x > 0n);
  return Buffer.from(bytes);
}

/** Decodes the fields the table names; others (a newer CRIU's) are skipped. */
export function decodeMessage(spec: MessageSpec, buf: Buffer): MessageValue {
  const byNo = new Map<number, [string, FieldSpec]>(Object.entries(spec).map(([n, f]) => [f.no, [n, f]]));
  const out: MessageValue = {};
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const k = Number(readVarint());
    const no = k >>> 3;
    const wire = k & 7;
    let raw: bigint | Buffer;
    if (wire === VARINT) raw = readVarint();
    else if (wire === LEN) {
      const len = Number(readVarint());
      if (pos + len > buf.length) throw new Error('protobuf: truncated field');
      raw = buf.subarray(pos, pos + len);
      pos += len;
    } else if (wire === 1) {
      pos += 8;
      continue;
    } else if (wire === 5) {
      pos += 4;
      continue;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
    const known = byNo.get(no);
    if (!known) continue;
    const [name, field] = known;
    const value = decodeValue(field, raw);
    if (field.repeated) ((out[name] ??= []) as unknown[]).push(value);
    else out[name] = value;
  }
  return out;
}

function decodeValue(field: FieldSpec, raw: bigint | Buffer): unknown {
  switch (field.kind) {
    case 'bool':
      return raw !== 0n;
    case 'int32':
    case 'enum':
      return Number(BigInt.asIntN(32, raw as bigint));
    case 'uint32':
      return Number(BigInt.asUintN(32, raw as bigint));
    case 'string':
      return (raw as Buffer).toString('utf8');
    case 'message':
      return decodeMessage(field.message!, raw as Buffer);
  }
}
