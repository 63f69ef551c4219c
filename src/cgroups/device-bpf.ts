import { OcirtError } from '../native/error';
import type { DeviceRule } from './device-rules';
import { type DeviceState, emulateDeviceRules } from './device-emulator';

/**
 * cgroup v2 device control: a BPF_PROG_TYPE_CGROUP_DEVICE program compiled here (pure,
 * unit-tested with an interpreter) and loaded and attached by the addon. The program
 * gets a struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } in R1,
 * where access_type is (access << 16) | type, and returns 1 to allow, 0 to deny.
 *
 * Layout, as crun and runc build it: load type, access, major and minor into R2..R5,
 * then one block per exception of the emulated rule set — compare, and on a match
 * return the exception's action — and finally return the default action.
 */
export interface BpfInsn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

export const BPF_DEVCG_ACC_MKNOD = 1;
export const BPF_DEVCG_ACC_READ = 2;
export const BPF_DEVCG_ACC_WRITE = 4;
export const BPF_DEVCG_DEV_BLOCK = 1;
export const BPF_DEVCG_DEV_CHAR = 2;

// Opcodes (class | source | operation).
export const OP = {
  LDX_MEM_W: 0x61, // dst = *(u32 *)(src + off)
  ALU32_AND_K: 0x54,
  ALU32_RSH_K: 0x74,
  ALU32_MOV_K: 0xb4,
  ALU32_MOV_X: 0xbc,
  JMP_JNE_K: 0x55, // 64-bit compare with the sign-extended immediate
  JMP32_JNE_K: 0x56, // 32-bit compare (for majors/minors >= 2^31)
  JMP_JNE_X: 0x5d,
  EXIT: 0x95,
} as const;

export const DEVICE_PROGRAM_LICENSE = 'Apache';

const ins = (code: number, dst = 0, src = 0, off = 0, imm = 0): BpfInsn => ({ code, dst, src, off, imm });

/** The device program for a container's rules (see containerDeviceRules). */
export function compileDeviceProgram(rules: readonly DeviceRule[]): BpfInsn[] {
  return compileDeviceState(emulateDeviceRules(rules));
}

export function compileDeviceState(state: DeviceState): BpfInsn[] {
  const out: BpfInsn[] = [
    ins(OP.LDX_MEM_W, 2, 1, 0),
    ins(OP.ALU32_AND_K, 2, 0, 0, 0xffff),
    ins(OP.LDX_MEM_W, 3, 1, 0),
    ins(OP.ALU32_RSH_K, 3, 0, 0, 16),
    ins(OP.LDX_MEM_W, 4, 1, 4),
    ins(OP.LDX_MEM_W, 5, 1, 8),
  ];
  for (const rule of state.exceptions) out.push(...ruleBlock(rule));
  out.push(ins(OP.ALU32_MOV_K, 0, 0, 0, state.defaultAllow ? 1 : 0), ins(OP.EXIT));
  return out;
}

/** One exception: every failed comparison jumps past the block to the next one. */
function ruleBlock(rule: DeviceRule): BpfInsn[] {
  if (rule.type === 'a') throw new OcirtError('internal error: a wildcard device rule reached the BPF compiler');
  const block: Array<BpfInsn & { toNext?: boolean }> = [];
  const jne = (reg: number, value: number) => {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new OcirtError(`device number ${value} is out of range (0..4294967295)`);
    }
    const code = value > 0x7fffffff ? OP.JMP32_JNE_K : OP.JMP_JNE_K;
    block.push({ ...ins(code, reg, 0, 0, value | 0), toNext: true });
  };
  jne(2, rule.type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  const access = accessBits(rule.access);
  if (access !== (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)) {
    // The requested access must be a subset of the rule's: (R3 & access) == R3.
    block.push(ins(OP.ALU32_MOV_X, 1, 3));
    block.push(ins(OP.ALU32_AND_K, 1, 0, 0, access));
    block.push({ ...ins(OP.JMP_JNE_X, 1, 3), toNext: true });
  }
  if (rule.major >= 0) jne(4, rule.major);
  if (rule.minor >= 0) jne(5, rule.minor);
  block.push(ins(OP.ALU32_MOV_K, 0, 0, 0, rule.allow ? 1 : 0), ins(OP.EXIT));
  return block.map(({ toNext, ...i }, idx) => (toNext ? { ...i, off: block.length - idx - 1 } : i));
}

function accessBits(access: string): number {
  let bits = 0;
  for (const c of access) {
    if (c === 'r') bits |= BPF_DEVCG_ACC_READ;
    else if (c === 'w') bits |= BPF_DEVCG_ACC_WRITE;
    else if (c === 'm') bits |= BPF_DEVCG_ACC_MKNOD;
    else throw new OcirtError(`unknown device access "${c}" (must be r, w or m)`);
  }
  return bits;
}

/** struct bpf_insn, 8 bytes each, little-endian: code, dst:4|src:4, s16 off, s32 imm. */
export function encodeProgram(insns: readonly BpfInsn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((i, n) => {
    buf.writeUInt8(i.code, n * 8);
    buf.writeUInt8((i.src << 4) | (i.dst & 0xf), n * 8 + 1);
    buf.writeInt16LE(i.off, n * 8 + 2);
    buf.writeInt32LE(i.imm, n * 8 + 4);
  });
  return buf;
}
