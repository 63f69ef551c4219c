/**
 * A CRI v1 client for the tests: @grpc/grpc-js over containerd's unix socket, with the
 * messages of k8s.io/cri-api's api.proto (loaded at run time, no generated code). Field
 * names are camelCase, enums their names, int64 plain numbers. A failed call throws an
 * Error naming the call and carrying the runtime's own error lines (log.json, see
 * runtimeErrors), so a red test says which CRI call and which runtime step failed.
 */
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** A CRI message: plain objects as proto-loader gives them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Message = Record<string, any>;

export interface CriClient {
  /** RuntimeService.<method>(request), bounded by timeoutMs. */
  runtime(method: string, request: Message, timeoutMs?: number): Promise<Message>;
  /** ImageService.<method>(request). */
  image(method: string, request: Message, timeoutMs?: number): Promise<Message>;
  close(): void;
}

const definition = protoLoader.loadSync(path.join(__dirname, 'api.proto'), {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const api = (grpc.loadPackageDefinition(definition) as any).runtime.v1;

/** diagnose(message): extra text for a failed call (the runtime's own error lines not in message). */
export function criClient(socket: string, diagnose: (message: string) => string): CriClient {
  const credentials = grpc.credentials.createInsecure();
  const options = { 'grpc.max_receive_message_length': 16 * 1024 * 1024 };
  const runtime = new api.RuntimeService(`unix://${socket}`, credentials, options);
  const image = new api.ImageService(`unix://${socket}`, credentials, options);
  const call = (client: grpc.Client, service: string, method: string, request: Message, timeoutMs: number) =>
    new Promise<Message>((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const fn = (client as any)[method];
      if (typeof fn !== 'function') return reject(new Error(`no CRI call ${service}.${method}`));
      fn.call(client, request, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, reply: Message) => {
        if (!err) return resolve(reply);
        const message = err.details || err.message;
        const extra = diagnose(message);
        reject(new Error(`CRI ${service}.${method} failed: ${message}${extra ? `\n${extra}` : ''}`));
      });
    });
  return {
    runtime: (method, request, timeoutMs = 60_000) => call(runtime, 'RuntimeService', method, request, timeoutMs),
    image: (method, request, timeoutMs = 60_000) => call(image, 'ImageService', method, request, timeoutMs),
    close: () => {
      runtime.close();
      image.close();
    },
  };
}
