#!/usr/bin/env node
// Turns containers/common's seccomp profile (containers-common-seccomp.json, the file
// podman and CRI-O ship, with archMap and per-capability includes/excludes) into the
// linux.seccomp section podman writes into a container's config.json: for an amd64
// host and podman's default capabilities (containers.conf default_capabilities).
// Output: podman-default-amd64.json. Rerun after updating the profile:
//   node spec-fixtures/seccomp/convert-podman-profile.mjs
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const profile = JSON.parse(fs.readFileSync(path.join(here, 'containers-common-seccomp.json'), 'utf8'));

/** libseccomp's name of the host arch, as podman compares it with includes.arches. */
const HOST_ARCH = 'amd64';
const HOST_SCMP_ARCH = 'SCMP_ARCH_X86_64';
const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT',
];
const ERRNO = { EPERM: 1, EINVAL: 22, ENOSYS: 38 };

function errnoOf(name, value) {
  if (!name) return value;
  if (/^[0-9]+$/.test(name)) return Number(name);
  if (!(name in ERRNO)) throw new Error(`unknown errno ${name}`);
  return ERRNO[name];
}

const out = { defaultAction: profile.defaultAction };
const defaultErrno = errnoOf(profile.defaultErrno, profile.defaultErrnoRet);
if (defaultErrno !== undefined) out.defaultErrnoRet = defaultErrno;
const entry = (profile.archMap ?? []).find((a) => a.architecture === HOST_SCMP_ARCH);
out.architectures = entry ? [entry.architecture, ...entry.subArchitectures] : [];
out.syscalls = [];
for (const call of profile.syscalls) {
  const inc = call.includes ?? {};
  const exc = call.excludes ?? {};
  if ((exc.arches ?? []).includes(HOST_ARCH)) continue;
  if ((exc.caps ?? []).some((c) => CAPABILITIES.includes(c))) continue;
  if ((inc.arches ?? []).length > 0 && !inc.arches.includes(HOST_ARCH)) continue;
  if ((inc.caps ?? []).some((c) => !CAPABILITIES.includes(c))) continue;
  const rule = { names: call.names ?? [call.name], action: call.action };
  const errnoRet = errnoOf(call.errno, call.errnoRet);
  if (errnoRet !== undefined) rule.errnoRet = errnoRet;
  if (call.args && call.args.length > 0) rule.args = call.args.map((a) => ({ index: a.index, value: a.value, valueTwo: a.valueTwo, op: a.op }));
  out.syscalls.push(rule);
}
fs.writeFileSync(path.join(here, 'podman-default-amd64.json'), `${JSON.stringify(out, null, '\t')}\n`);
console.log(`${out.syscalls.length} rules, ${out.syscalls.reduce((n, r) => n + r.names.length, 0)} names`);
