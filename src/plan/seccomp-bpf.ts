/**
 * A tiny classic-BPF assembler for the few instructions the ENOSYS stub needs, with
 * labels for jump targets. Encodes struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}
 * in the host's byte order, as seccomp(2) and libseccomp's export use.
 */
import * as os from 'node:os';

const BPF_LD_W_ABS = 0x20;
const BPF_JMP_JA = 0x05;
const BPF_JMP_JEQ_K = 0x15;
const BPF_JMP_JGT_K = 0x25;
const BPF_JMP_JSET_K = 0x45;
const BPF_RET_K = 0x06;

export const INSTRUCTION_SIZE = 8;

/** A jump target: a label name, or undefined for "the next instruction". */
export type Target = string | undefined;

export type Instruction =
  | { op: 'ld'; offset: number }
  | { op: 'ja'; to: string }
  | { op: 'jeq' | 'jgt' | 'jset'; k: number; jt?: Target; jf?: Target }
  | { op: 'ret'; k: number }
  | { op: 'label'; name: string };

/** Assembles the program; throws when a conditional jump is longer than 255 instructions. */
export function assemble(program: readonly Instruction[]): Buffer {
  const labels = new Map<string, number>();
  const code: Instruction[] = [];
  for (const i of program) {
    if (i.op === 'label') labels.set(i.name, code.length);
    else code.push(i);
  }
  const out = Buffer.alloc(code.length * INSTRUCTION_SIZE);
  const le = os.endianness() === 'LE';
  code.forEach((insn, index) => {
    const offsetTo = (target: Target, conditional: boolean): number => {
      if (target === undefined) return 0;
      const at = labels.get(target);
      if (at === undefined) throw new Error(`BPF: unknown label ${target}`);
      const distance = at - (index + 1);
      if (distance < 0 || (conditional && distance > 255)) throw new Error(`BPF: jump to ${target} out of range (${distance})`);
      return distance;
    };
    let opcode = 0;
    let jt = 0;
    let jf = 0;
    let k = 0;
    switch (insn.op) {
      case 'ld':
        opcode = BPF_LD_W_ABS;
        k = insn.offset;
        break;
      case 'ja':
        opcode = BPF_JMP_JA;
        k = offsetTo(insn.to, false);
        break;
      case 'jeq':
      case 'jgt':
      case 'jset':
        opcode = insn.op === 'jeq' ? BPF_JMP_JEQ_K : insn.op === 'jgt' ? BPF_JMP_JGT_K : BPF_JMP_JSET_K;
        jt = offsetTo(insn.jt, true);
        jf = offsetTo(insn.jf, true);
        k = insn.k;
        break;
      case 'ret':
        opcode = BPF_RET_K;
        k = insn.k;
        break;
      case 'label':
        break;
    }
    const at = index * INSTRUCTION_SIZE;
    if (le) {
      out.writeUInt16LE(opcode, at);
      out.writeUInt32LE(k >>> 0, at + 4);
    } else {
      out.writeUInt16BE(opcode, at);
      out.writeUInt32BE(k >>> 0, at + 4);
    }
    out.writeUInt8(jt, at + 2);
    out.writeUInt8(jf, at + 3);
  });
  return out;
}

/** The instructions of an encoded program, for tests and debugging. */
export function disassemble(bytes: Uint8Array): Array<{ code: number; jt: number; jf: number; k: number }> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = os.endianness() === 'LE';
  const out: Array<{ code: number; jt: number; jf: number; k: number }> = [];
  for (let at = 0; at + INSTRUCTION_SIZE <= b.length; at += INSTRUCTION_SIZE) {
    out.push({
      code: le ? b.readUInt16LE(at) : b.readUInt16BE(at),
      jt: b.readUInt8(at + 2),
      jf: b.readUInt8(at + 3),
      k: le ? b.readUInt32LE(at + 4) : b.readUInt32BE(at + 4),
    });
  }
  return out;
}
