import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcirtError } from '../native/error';
import { translateEnvironment } from '../plan/environment';
import type { ExecPlan, PlanProcessAttributes, PlanTerminal } from '../plan/init-plan';
import type { Process, Spec } from '../spec/types';
import { EXEC_TEMPLATE } from '../state/layout';
import type { ContainerRecord } from '../state/record';
import { compileExecPlan } from './exec-plan';
import { initError, type InitMessage } from './sync-protocol';
import { terminalPlan } from './terminal-plan';

export const EXEC_TEMPLATE_VERSION = 1;

/**
 * `<root>/<id>/exec-template.json` (src/state/STATE.md): the exec of the container's own
 * process, decided here at create, so that ocirt-fast can run the exec every engine
 * probe makes (the container's process with other args, a terminal, TERM=xterm) without
 * booting Node. ocirt-fast substitutes only what this names and hands anything else to
 * Node; each substitution is a choice between values compiled here.
 */
export interface ExecTemplate {
  templateVersion: typeof EXEC_TEMPLATE_VERSION;
  /** The init whose namespaces the plan joins: a template for another init is stale. */
  initPid: number;
  initStartTime: string;
  /** The runtime's bounding set (decimal) the plan's capabilities were checked against. */
  capBounding: string;
  /**
   * The container's process as config.json has it: a process file is substituted only
   * when every member but args, env, terminal and consoleSize equals this one's.
   */
  process: Process;
  /** process.env values accepted, each with what the plan gets for it. */
  envVariants: Array<{ env: string[]; planEnv: string[]; searchPath: string }>;
  /** cgroup.procs files the exec helper is written to before it joins anything. */
  cgroupProcs: string[];
  /** The plan with the container's args and no terminal. */
  plan: ExecPlan;
  /**
   * plan.terminal for a process with a terminal and a --console-socket (the only
   * terminal ocirt-fast handles: the socket is the init's terminal channel); rows and
   * cols are consoleSize's height and width when both are > 0, clamped to 65535.
   */
  consoleTerminal: PlanTerminal;
}

export interface ExecTemplateInput {
  record: ContainerRecord;
  spec: Spec;
  capLastCap?: number;
  capBounding?: string;
  userNamespaceIsOwn: boolean;
  /** The container's own attributes (the create plan's): the same decision for the same process. */
  attributes: PlanProcessAttributes;
}

/** TERM a CRI exec with a tty appends to the container's environment (containerd). */
const CRI_TTY_TERM = 'TERM=xterm';

/**
 * The template, or why the ordinary exec path is needed for this container (anything
 * the runtime must do for an exec'd process beyond spawning it and joining its cgroup).
 */
export function compileExecTemplate(input: ExecTemplateInput): ExecTemplate | string {
  const { record, spec } = input;
  const process = spec.process;
  if (!process) return 'the container has no process';
  if (input.capBounding === undefined) return 'the runtime\'s bounding set is unknown';
  if (input.attributes.seccomp?.notify) return 'seccomp notify: the listener is handed over by the runtime';
  if (process.execCPUAffinity?.initial) return 'execCPUAffinity.initial is set by the runtime';
  const base = { ...process, terminal: false };
  delete base.consoleSize;
  const { cpuAffinity: _initOnly, ...attributes } = input.attributes;
  const plan = compileExecPlan({
    containerId: record.id,
    initPid: record.pid,
    namespaces: record.namespaces,
    rootfs: record.rootfs,
    process: base,
    spec,
    capLastCap: input.capLastCap,
    capBounding: input.capBounding,
    preserveFds: 0,
    listenFds: 0,
    userNamespaceIsOwn: input.userNamespaceIsOwn,
    terminalRelayed: false,
    attributes,
  });
  if (plan.process.rlimitsByRuntime) return 'rlimits in a user namespace are set by the runtime';
  if (plan.cpuAffinity) return 'execCPUAffinity';
  const consoleTerminal = terminalPlan({ ...base, terminal: true }, 4, false, false)!;
  const env = process.env ?? [];
  const envVariants = [env, [...env, CRI_TTY_TERM]].map((variant) => {
    const t = translateEnvironment(variant);
    return { env: variant, planEnv: t.env, searchPath: t.searchPath };
  });
  return {
    templateVersion: EXEC_TEMPLATE_VERSION,
    initPid: record.pid,
    initStartTime: record.initStartTime,
    capBounding: input.capBounding,
    process,
    envVariants,
    cgroupProcs: record.cgroup.driver === 'none' ? [] : Object.values(record.cgroup.paths).map((dir) => path.join(dir, 'cgroup.procs')),
    plan,
    consoleTerminal,
  };
}

/** The attributes of a create plan that an exec of the same process gets too. */
export function processAttributesOf(plan: PlanProcessAttributes): PlanProcessAttributes {
  const { scheduler, ioPriority, personality, memoryPolicy, execLabels, seccomp } = plan;
  const picked: PlanProcessAttributes = { scheduler, ioPriority, personality, memoryPolicy, execLabels, seccomp };
  for (const key of Object.keys(picked) as Array<keyof PlanProcessAttributes>) if (picked[key] === undefined) delete picked[key];
  return picked;
}

/** Whether the init's user namespace is ours (a config that "joins" the host's). */
export function sameUserNamespace(initPid: number): boolean {
  try {
    return fs.statSync(`/proc/${initPid}/ns/user`).ino === fs.statSync('/proc/self/ns/user').ino;
  } catch {
    return false;
  }
}

/** Written once at create, before the container is `created`; nothing rewrites it. */
export function writeExecTemplate(stateDir: string, template: ExecTemplate): void {
  const file = path.join(stateDir, EXEC_TEMPLATE);
  try {
    fs.writeFileSync(file, JSON.stringify(template), { mode: 0o600 });
  } catch (err) {
    throw OcirtError.fromNode(`write ${file}`, err);
  }
}

/**
 * ocirt-fast ran an exec from the template and it failed after the exec helper existed:
 * it hands the failure to Node (OCIRT_FAST_EXEC_ERROR) for the message exec.ts gives.
 */
export function fastPathFailure(id: string, report: string): OcirtError {
  let m: InitMessage | { type: 'exited-early'; status: number };
  try {
    m = JSON.parse(report) as typeof m;
  } catch {
    return new OcirtError(`exec failed: ${report.slice(0, 200)}`);
  }
  if (m.type === 'exited-early') {
    return new OcirtError(`the exec'd process exited before it started${m.status ? ` (exit status ${m.status})` : ''}`);
  }
  if (m.type === 'error') return initError(id, m);
  return new OcirtError(`exec failed: ${report.slice(0, 200)}`);
}
