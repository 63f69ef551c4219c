/**
 * A classic-BPF interpreter for seccomp programs (the instructions seccomp accepts), so
 * unit tests can ask what a compiled filter answers for a given syscall, arch and
 * arguments without loading it. seccomp_data: nr (u32), arch (u32), instruction
 * pointer (u64), args[6] (u64), little-endian.
 */
import { disassemble } from '../../src/plan/seccomp-bpf';

export interface SeccompData {
  nr: number;
  arch: number;
  args?: Array<number | bigint>;
}

function word(data: SeccompData, offset: number): number {
  if (offset === 0) return data.nr >>> 0;
  if (offset === 4) return data.arch >>> 0;
  if (offset === 8 || offset === 12) return 0;
  const i = Math.floor((offset - 16) / 8);
  const v = BigInt(data.args?.[i] ?? 0) & ((1n << 64n) - 1n);
  return Number((offset - 16) % 8 === 0 ? v & 0xffffffffn : v >> 32n);
}

/** The filter's return value (SECCOMP_RET_*). Throws on a malformed program. */
export function runFilter(program: Uint8Array, data: SeccompData): number {
  const insns = disassemble(program);
  let a = 0;
  let x = 0;
  const mem = new Array<number>(16).fill(0);
  for (let pc = 0; pc < insns.length; pc++) {
    const { code, jt, jf, k } = insns[pc];
    const cls = code & 0x07;
    const src = code & 0x08 ? x : k;
    switch (cls) {
      case 0x00: // LD
        if ((code & 0xe0) === 0x20) a = word(data, k);
        else if ((code & 0xe0) === 0x00) a = k;
        else if ((code & 0xe0) === 0x60) a = mem[k];
        else throw new Error(`ld mode ${code.toString(16)}`);
        break;
      case 0x01: // LDX
        if ((code & 0xe0) === 0x00) x = k;
        else if ((code & 0xe0) === 0x60) x = mem[k];
        else throw new Error(`ldx mode ${code.toString(16)}`);
        break;
      case 0x02:
        mem[k] = a;
        break;
      case 0x03:
        mem[k] = x;
        break;
      case 0x04: {
        const op = code & 0xf0;
        const ops: Record<number, (p: number, q: number) => number> = {
          0x00: (p, q) => p + q, 0x10: (p, q) => p - q, 0x20: (p, q) => Math.imul(p, q), 0x30: (p, q) => Math.floor(p / q),
          0x40: (p, q) => p | q, 0x50: (p, q) => p & q, 0x60: (p, q) => p << q, 0x70: (p, q) => p >>> q,
          0x80: (p) => -p, 0x90: (p, q) => p % q, 0xa0: (p, q) => p ^ q,
        };
        a = ops[op](a >>> 0, src >>> 0) >>> 0;
        break;
      }
      case 0x05: {
        const op = code & 0xf0;
        if (op === 0x00) {
          pc += k;
          break;
        }
        const av = a >>> 0;
        const sv = src >>> 0;
        const taken = op === 0x10 ? av === sv : op === 0x20 ? av > sv : op === 0x30 ? av >= sv : (av & sv) !== 0;
        pc += taken ? jt : jf;
        break;
      }
      case 0x06:
        return ((code & 0x18) === 0x10 ? a : k) >>> 0;
      case 0x07:
        if (code & 0x80) a = x;
        else x = a;
        break;
    }
  }
  throw new Error('BPF: fell off the end of the program');
}
