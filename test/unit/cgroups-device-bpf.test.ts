import { describe, expect, it } from 'vitest';
import {
  BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR,
  type BpfInsn, compileDeviceProgram, encodeProgram, OP,
} from '../../src/cgroups/device-bpf';
import { emulateDeviceRules } from '../../src/cgroups/device-emulator';
import { containerDeviceRules, type DeviceRule, deviceRuleLine, normalizeRule } from '../../src/cgroups/device-rules';

/**
 * A tiny eBPF interpreter for the instructions the compiler emits, running the program
 * as the kernel would for struct bpf_cgroup_dev_ctx {access_type, major, minor}.
 */
function run(prog: BpfInsn[], type: 'b' | 'c', access: string, major: number, minor: number): boolean {
  const acc = (access.includes('r') ? BPF_DEVCG_ACC_READ : 0) | (access.includes('w') ? BPF_DEVCG_ACC_WRITE : 0) | (access.includes('m') ? BPF_DEVCG_ACC_MKNOD : 0);
  const ctx = [((acc << 16) | (type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR)) >>> 0, major >>> 0, minor >>> 0];
  const r: bigint[] = new Array(11).fill(0n);
  const u32 = (x: bigint) => x & 0xffffffffn;
  for (let pc = 0, steps = 0; pc < prog.length && steps < 10000; pc++, steps++) {
    const i = prog[pc];
    switch (i.code) {
      case OP.LDX_MEM_W:
        expect(i.src).toBe(1);
        r[i.dst] = BigInt(ctx[i.off / 4]);
        break;
      case OP.ALU32_AND_K:
        r[i.dst] = u32(r[i.dst]) & u32(BigInt(i.imm));
        break;
      case OP.ALU32_RSH_K:
        r[i.dst] = u32(r[i.dst]) >> BigInt(i.imm);
        break;
      case OP.ALU32_MOV_K:
        r[i.dst] = u32(BigInt(i.imm));
        break;
      case OP.ALU32_MOV_X:
        r[i.dst] = u32(r[i.src]);
        break;
      case OP.JMP_JNE_K:
        if (r[i.dst] !== BigInt.asUintN(64, BigInt(i.imm))) pc += i.off;
        break;
      case OP.JMP32_JNE_K:
        if (u32(r[i.dst]) !== u32(BigInt(i.imm))) pc += i.off;
        break;
      case OP.JMP_JNE_X:
        if (r[i.dst] !== r[i.src]) pc += i.off;
        break;
      case OP.EXIT:
        return r[0] === 1n;
      default:
        throw new Error(`unknown opcode ${i.code}`);
    }
  }
  throw new Error('program fell off its end');
}

const rule = (allow: boolean, type: 'a' | 'b' | 'c', major: number, minor: number, access: string): DeviceRule => ({ allow, type, major, minor, access });

describe('device rules', () => {
  it('normalizes config rules and renders devices.allow lines', () => {
    expect(normalizeRule({ allow: true, access: 'mwr' })).toEqual(rule(true, 'a', -1, -1, 'rwm'));
    expect(normalizeRule({ allow: false, type: 'c', major: 1, access: 'w' })).toEqual(rule(false, 'c', 1, -1, 'w'));
    expect(deviceRuleLine(rule(true, 'c', 136, -1, 'rwm'))).toBe('c 136:* rwm');
    expect(deviceRuleLine(rule(false, 'a', -1, -1, 'rwm'))).toBe('a');
  });

  it('a container starts from deny-all once, then its rules, then the defaults', () => {
    const rules = containerDeviceRules([{ allow: false, access: 'rwm' }]);
    expect(rules[0]).toEqual(rule(false, 'a', -1, -1, 'rwm'));
    expect(rules[1]).toEqual(rule(true, 'c', -1, -1, 'm'));
    expect(rules).toHaveLength(12);
  });
});

describe('emulateDeviceRules (v1 semantics)', () => {
  it('deny-all then allows: a list of exceptions', () => {
    const s = emulateDeviceRules([rule(false, 'a', -1, -1, 'rwm'), rule(true, 'c', 1, 3, 'rw'), rule(true, 'c', 1, 3, 'm')]);
    expect(s).toEqual({ defaultAllow: false, exceptions: [rule(true, 'c', 1, 3, 'rwm')] });
  });

  it('a later deny takes access away from an exception', () => {
    const s = emulateDeviceRules([rule(true, 'c', 1, 3, 'rwm'), rule(false, 'c', 1, 3, 'w')]);
    expect(s.exceptions).toEqual([rule(true, 'c', 1, 3, 'rm')]);
  });

  it('allow-all resets, and denies become the exceptions', () => {
    const s = emulateDeviceRules([rule(true, 'c', 1, 3, 'rwm'), rule(true, 'a', -1, -1, 'rwm'), rule(false, 'b', 8, -1, 'w')]);
    expect(s).toEqual({ defaultAllow: true, exceptions: [rule(false, 'b', 8, -1, 'w')] });
  });

  it('refuses to punch a hole in a wildcard exception, as v1 cannot', () => {
    expect(() => emulateDeviceRules([rule(true, 'c', -1, -1, 'm'), rule(false, 'c', 1, 3, 'm')])).toThrow(
      'device rule "c 1:3 m" (deny) cannot be applied: it would punch a hole in the wildcard rule "c *:* m"',
    );
  });
});

describe('compileDeviceProgram', () => {
  const prog = compileDeviceProgram(containerDeviceRules([
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' },
    { allow: true, type: 'b', major: 8, access: 'r' },
  ]));

  it('allows the default devices and what the config allows, nothing else', () => {
    expect(run(prog, 'c', 'rw', 1, 3)).toBe(true); // /dev/null
    expect(run(prog, 'c', 'r', 1, 9)).toBe(true); // /dev/urandom
    expect(run(prog, 'c', 'rw', 136, 7)).toBe(true); // a pty
    expect(run(prog, 'c', 'm', 42, 42)).toBe(true); // mknod of anything
    expect(run(prog, 'b', 'm', 8, 0)).toBe(true);
    expect(run(prog, 'c', 'rw', 10, 229)).toBe(true); // fuse
    expect(run(prog, 'c', 'm', 10, 229)).toBe(true); // via c *:* m
    expect(run(prog, 'b', 'r', 8, 16)).toBe(true);
    expect(run(prog, 'b', 'w', 8, 16)).toBe(false);
    expect(run(prog, 'b', 'rw', 8, 16)).toBe(false); // the request must be within the rule's access
    expect(run(prog, 'c', 'r', 1, 1)).toBe(false); // /dev/mem
    expect(run(prog, 'b', 'r', 7, 0)).toBe(false);
  });

  it('allow-all with deny exceptions', () => {
    const p = compileDeviceProgram([rule(true, 'a', -1, -1, 'rwm'), rule(false, 'c', 1, 1, 'rwm'), rule(false, 'b', -1, -1, 'w')]);
    expect(run(p, 'c', 'r', 1, 1)).toBe(false);
    expect(run(p, 'c', 'r', 1, 3)).toBe(true);
    expect(run(p, 'b', 'w', 8, 0)).toBe(false);
    expect(run(p, 'b', 'r', 8, 0)).toBe(true);
  });

  it('device numbers above 2^31 use 32-bit comparisons', () => {
    const p = compileDeviceProgram([rule(false, 'a', -1, -1, 'rwm'), rule(true, 'c', 3000000000, 4000000000, 'rwm')]);
    expect(p.some((i) => i.code === OP.JMP32_JNE_K)).toBe(true);
    expect(run(p, 'c', 'rw', 3000000000, 4000000000)).toBe(true);
    expect(run(p, 'c', 'rw', 3000000000, 1)).toBe(false);
  });

  it('every jump lands inside the program, which ends with exit', () => {
    for (const [n, i] of prog.entries()) {
      if (i.code === OP.JMP_JNE_K || i.code === OP.JMP32_JNE_K || i.code === OP.JMP_JNE_X) {
        expect(n + 1 + i.off).toBeLessThan(prog.length);
        expect(i.off).toBeGreaterThan(0);
      }
    }
    expect(prog[prog.length - 1].code).toBe(OP.EXIT);
  });

  it('encodes struct bpf_insn little-endian', () => {
    const buf = encodeProgram([{ code: OP.LDX_MEM_W, dst: 4, src: 1, off: 4, imm: 0 }, { code: OP.ALU32_MOV_K, dst: 0, src: 0, off: 0, imm: -1 }]);
    expect([...buf]).toEqual([0x61, 0x14, 4, 0, 0, 0, 0, 0, 0xb4, 0x00, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  });
});
