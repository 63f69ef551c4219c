/**
 * The client side of the CRI streaming server's exec URL (what `kubectl exec -it`
 * reaches through the kubelet): a websocket with the "v4.channel.k8s.io" subprotocol,
 * each binary message prefixed by its channel (0 stdin, 1 stdout, 2 stderr, 3 the final
 * status as JSON, 4 terminal resizes as JSON). containerd 1.6's server speaks SPDY too;
 * websocket needs only the `ws` package.
 */
import WebSocket from 'ws';

export interface StreamResult {
  /** Channel 1 (with a tty: the terminal's output, stderr included). */
  stdout: string;
  stderr: string;
  /** Channel 3: {status: "Success"} or a Failure whose causes carry ExitCode. */
  status: { status?: string; message?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } };
  /** The exit code the status says (0 on Success). */
  exitCode: number | undefined;
}

/**
 * Connects to url, sends a resize (when given), then each input chunk once the output so
 * far contains its `after` text (a prompt), and collects everything until the server closes.
 */
export function execStream(
  url: string,
  opts: { resize?: { width: number; height: number }; input?: { after: string; data: string }[]; timeoutMs?: number } = {},
): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['v4.channel.k8s.io']);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let status = '';
    const pending = [...(opts.input ?? [])];
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`exec stream ${url}: no end after ${opts.timeoutMs ?? 30_000} ms; output so far: ${JSON.stringify(Buffer.concat(out).toString())}`));
    }, opts.timeoutMs ?? 30_000);
    const feed = () => {
      while (pending.length > 0 && Buffer.concat(out).toString().includes(pending[0].after)) {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(pending.shift()!.data)]));
      }
    };
    ws.on('open', () => {
      if (opts.resize) ws.send(Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify({ Width: opts.resize.width, Height: opts.resize.height }))]));
      feed();
    });
    ws.on('message', (data: Buffer) => {
      const channel = data[0];
      const body = data.subarray(1);
      if (channel === 1) out.push(body);
      else if (channel === 2) err.push(body);
      else if (channel === 3) status += body.toString();
      feed();
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`exec stream ${url}: ${e.message}`));
    });
    ws.on('close', () => {
      clearTimeout(timer);
      const parsed = status ? JSON.parse(status) : {};
      const code = parsed.status === 'Success' ? 0 : Number(parsed.details?.causes?.find((c: { reason?: string }) => c.reason === 'ExitCode')?.message);
      resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), status: parsed, exitCode: Number.isNaN(code) ? undefined : code });
    });
  });
}
