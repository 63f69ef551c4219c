// Boots the test VM, runs one shell command in it and brings back what it wrote. The
// guest sees the host's whole root read-only (so node, the checkout, runc, busybox are
// there at the same paths) under a throw-away tmpfs overlay, and a writable share of a
// temp directory at /ocirt-vm for the command, its output and its exit status.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commandScript, GUEST_IO, stage2Plain, stageSystemd, systemdUnits } from './guest-scripts';
import { ensureVmAssets, QEMU } from './vm-assets';

export interface VmRunOptions {
  /** A shell command, run by /bin/sh in the guest. */
  command: string;
  /** systemd as PID 1 (it mounts cgroup2 itself) instead of a plain init. */
  systemd?: boolean;
  /** The whole run, boot included; qemu is killed after it. Default 1800. */
  timeoutSec?: number;
  /** Working directory of the command (default: this checkout). */
  cwd?: string;
  /** Added to the command's environment (PATH and HOME come from the host). */
  env?: Record<string, string>;
  memoryMiB?: number;
  cpus?: number;
  cacheDir?: string;
  /** Stops the VM early (qemu killed, temp dir removed); the result then has timedOut set. */
  signal?: AbortSignal;
  /**
   * Files and directories the guest copies into its overlay before the command, so that
   * a rebuild on the host during the run does not change them under the guest. Default:
   * the checkout's build outputs (dist, bin, addon/build/Release).
   */
  snapshot?: string[];
  /** Called with the serial console's output as it comes (boot messages and the command's output). */
  onConsole?: (text: string) => void;
}

export interface VmRunResult {
  /** The command's exit status; null if it never finished (no boot, crash, timeout). */
  status: number | null;
  timedOut: boolean;
  /** The command's stdout and stderr. */
  output: string;
  /** Everything the serial console showed. */
  console: string;
  /** Files the command wrote under $OCIRT_VM_OUT (/ocirt-vm/out), by name. */
  files: Record<string, string>;
  seconds: number;
}

export const PROJECT_DIR = path.resolve(__dirname, '../..');
/** The guest's directory for files the command wants brought back. */
export const GUEST_OUT = `${GUEST_IO}/out`;

function readIfThere(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readTree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = prefix + e.name;
    if (e.isDirectory()) Object.assign(out, readTree(path.join(dir, e.name), `${rel}/`));
    else if (e.isFile()) out[rel] = fs.readFileSync(path.join(dir, e.name), 'utf8');
  }
  return out;
}

function writeIoDir(io: string, opts: VmRunOptions): void {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    OCIRT_VM: opts.systemd ? 'systemd' : 'plain',
    OCIRT_VM_OUT: GUEST_OUT,
    ...opts.env,
  };
  fs.writeFileSync(path.join(io, 'command.sh'), commandScript(opts.command, opts.cwd ?? PROJECT_DIR, env));
  const snapshot = opts.snapshot ?? ['dist', 'bin', 'addon/build/Release'].map((p) => path.join(PROJECT_DIR, p));
  fs.writeFileSync(path.join(io, 'snapshot'), snapshot.filter((p) => !/\s/.test(p)).join('\n'));
  fs.writeFileSync(path.join(io, 'stage2.sh'), stage2Plain());
  fs.writeFileSync(path.join(io, 'stage-systemd.sh'), stageSystemd());
  const units = systemdUnits();
  fs.writeFileSync(path.join(io, 'ocirt-vm.target'), units.target);
  fs.writeFileSync(path.join(io, 'ocirt-vm-run.service'), units.service);
  fs.mkdirSync(path.join(io, 'out'));
}

function qemuArgs(assets: ReturnType<typeof ensureVmAssets>, io: string, opts: VmRunOptions): string[] {
  // the checkout is kept visible when it lives under /tmp or /var/tmp (fresh tmpfs in the guest)
  const cmdline = ['console=ttyS0', 'panic=-1', 'quiet', 'loglevel=4', `ocirt_vm.modules=${assets.modulesDir}`, `ocirt_vm.project=${PROJECT_DIR}`];
  if (opts.systemd) {
    cmdline.push('ocirt_vm.systemd', 'systemd.unified_cgroup_hierarchy=1', 'systemd.show_status=error', ...(process.env.OCIRT_VM_DEBUG ? ['systemd.log_level=debug', 'systemd.log_target=console'] : []));
  }
  return [
    '-accel', 'tcg,thread=multi',
    // Not "max": its AVX/AVX2 emulation (new in QEMU 7.2's TCG) made node segfault now
    // and then; Nehalem (SSE4.2, no AVX) is what node and glibc run well on, plus 1 GiB
    // pages so that hugetlb offers both sizes.
    '-cpu', process.env.OCIRT_VM_CPU ?? 'Nehalem,+pdpe1gb',
    '-smp', String(opts.cpus ?? 2),
    '-m', String(opts.memoryMiB ?? 3072),
    '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
    '-no-reboot', '-nic', 'none',
    '-kernel', assets.kernel,
    '-initrd', assets.initrd,
    '-append', cmdline.join(' '),
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${io},mount_tag=vmio,security_model=passthrough,multidevs=remap`,
  ];
}

/** Boots the VM, runs `command`, powers off; never leaves qemu or the temp dir behind. */
export async function runInVm(opts: VmRunOptions): Promise<VmRunResult> {
  const started = Date.now();
  const assets = ensureVmAssets(opts.cacheDir);
  const io = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-vm-'));
  try {
    writeIoDir(io, opts);
    const qemu = spawn(QEMU, qemuArgs(assets, io, opts), { stdio: ['ignore', 'pipe', 'pipe'] });
    let consoleText = '';
    const take = (d: Buffer) => {
      const text = d.toString('utf8');
      consoleText += text;
      opts.onConsole?.(text);
    };
    qemu.stdout.on('data', take);
    qemu.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      qemu.kill('SIGKILL');
    }, (opts.timeoutSec ?? 1800) * 1000);
    const stopOnExit = () => qemu.kill('SIGKILL');
    process.once('exit', stopOnExit);
    const abort = () => {
      timedOut = true;
      qemu.kill('SIGKILL');
    };
    opts.signal?.addEventListener('abort', abort);
    const exit = await new Promise<number | null>((resolve, reject) => {
      qemu.on('error', reject);
      qemu.on('close', (code) => resolve(code));
    }).finally(() => {
      clearTimeout(timer);
      process.removeListener('exit', stopOnExit);
      opts.signal?.removeEventListener('abort', abort);
    });
    const statusText = readIfThere(path.join(io, 'status'))?.trim();
    const status = statusText && /^\d+$/.test(statusText) && !timedOut ? Number(statusText) : null;
    if (exit !== 0 && status === null && !timedOut) consoleText += `\n[qemu exited with ${exit}]\n`;
    return {
      status,
      timedOut,
      output: readIfThere(path.join(io, 'output.log')) ?? '',
      console: consoleText,
      files: readTree(path.join(io, 'out')),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    fs.rmSync(io, { recursive: true, force: true });
  }
}
