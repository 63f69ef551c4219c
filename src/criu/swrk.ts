import { spawn, type StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import { native } from '../native/binding';
import { OcirtError } from '../native/error';
import { decodeMessage, encodeMessage } from './protobuf';
import { CRIU_REQ, CRIU_RESP, REQ_TYPE, type CriuReq, type CriuResp } from './rpc-messages';

export interface SwrkOptions {
  /** The CRIU binary (locate.ts). */
  criu: string;
  /** CRIU's fds 0, 1, 2 (restore: the restored process inherits the pipes among them). */
  stdio?: [number | 'inherit' | 'ignore', number | 'inherit' | 'ignore', number | 'inherit' | 'ignore'];
  /** Further fds for CRIU, which sees them as 4, 5, ... (after its RPC socket, 3). */
  extraFds?: number[];
  /** Called once CRIU runs and before the request is sent (restore puts CRIU in the container's cgroup). */
  beforeRequest?: (criuPid: number) => void;
  /** A NOTIFY message ("setup-namespaces", "post-restore", "orphan-pts-master"...): answered once this returns. */
  onNotify?: (script: string, pid: number, fds: number[]) => Promise<void> | void;
}

export interface SwrkResult {
  resp: CriuResp;
  /** CRIU's exit: null code when killed. */
  exit: { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * One request to `criu swrk 3`: CRIU's RPC server on a SOCK_SEQPACKET pair, answering
 * one protobuf request with notifications (each acknowledged) and then one response.
 * A failed response is thrown as an OcirtError naming CRIU's errno and message.
 */
export async function criuRequest(req: CriuReq, opts: SwrkOptions): Promise<SwrkResult> {
  const [ours, theirs] = native().socketPair('seqpacket');
  const std = opts.stdio ?? ['ignore', 'ignore', 'ignore'];
  const stdio: StdioOptions = [std[0], std[1], std[2], theirs, ...(opts.extraFds ?? [])];
  let child;
  try {
    child = spawn(opts.criu, ['swrk', '3'], { stdio });
  } finally {
    fs.closeSync(theirs);
  }
  const exit = new Promise<SwrkResult['exit']>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const spawnError = new Promise<never>((_, reject) => child.on('error', (err) => reject(OcirtError.fromNode(`run ${opts.criu} swrk`, err))));
  try {
    if (!child.pid) await spawnError;
    opts.beforeRequest?.(child.pid!);
    native().sendPacket(ours, encodeMessage(CRIU_REQ, { ...req }));
    for (;;) {
      // Blocking: nothing else needs the event loop while CRIU works.
      const packet = native().receivePacket(ours, -1);
      if (packet === null) {
        const e = await exit;
        throw new OcirtError(`criu ${typeName(req.type)} ended without an answer (${e.signal ? `killed by ${e.signal}` : `exit status ${e.code}`})`);
      }
      const resp = decodeMessage(CRIU_RESP, packet.data) as unknown as CriuResp;
      if (!resp.success) {
        for (const fd of packet.fds) closeQuietly(fd);
        throw criuFailure(req.type, resp);
      }
      if (resp.type === REQ_TYPE.NOTIFY) {
        try {
          await opts.onNotify?.(resp.notify?.script ?? '', resp.notify?.pid ?? 0, packet.fds);
        } finally {
          for (const fd of packet.fds) closeQuietly(fd);
        }
        native().sendPacket(ours, encodeMessage(CRIU_REQ, { type: REQ_TYPE.NOTIFY, notifySuccess: true }));
        continue;
      }
      closeQuietly(ours);
      return { resp, exit: await exit };
    }
  } catch (err) {
    closeQuietly(ours);
    // CRIU ends when its socket closes; it is not left behind.
    await Promise.race([exit, new Promise((r) => setTimeout(r, 5000))]);
    throw err;
  }
}

function criuFailure(type: number, resp: CriuResp): OcirtError {
  const message = resp.crErrmsg?.replace(/\s+/g, ' ').trim();
  const detail = message ? `: ${message}` : '';
  if (resp.crErrno) return OcirtError.fromSys(`criu ${typeName(type)} failed${detail}`, { errno: resp.crErrno, syscall: `criu ${typeName(type)}` });
  return new OcirtError(`criu ${typeName(type)} failed${detail}`);
}

export function typeName(type: number): string {
  const name = Object.entries(REQ_TYPE).find(([, v]) => v === type)?.[0] ?? String(type);
  return name.toLowerCase().replace('_', '-');
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}
