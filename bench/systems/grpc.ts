/**
 * gRPC as a peer (@grpc/grpc-js): a generic service with Buffer serializers (no proto
 * files), server and client in this process over loopback, insecure credentials.
 * - calls: a unary `Echo` returning the request;
 * - casts: one long-lived client stream (`Cast`) on which each message is one write,
 *   counted by the server as it reads them (gRPC has no fire-and-forget unary);
 * no fanout (gRPC has no one-to-many delivery).
 */
import * as grpc from "@grpc/grpc-js";
import type { BenchSystem, Payload } from "../types.js";
import { Counter } from "./counter.js";

const bytes = {
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};
const SERVICE = {
  echo: { path: "/bench.Bench/Echo", requestStream: false, responseStream: false, ...bytes },
  cast: { path: "/bench.Bench/Cast", requestStream: true, responseStream: false, ...bytes },
} satisfies grpc.ServiceDefinition;

type BenchClient = grpc.Client & {
  echo(req: Buffer, cb: (err: grpc.ServiceError | null, res?: Buffer) => void): void;
  cast(cb: (err: grpc.ServiceError | null, res?: Buffer) => void): grpc.ClientWritableStream<Buffer>;
};

export async function startGrpc(): Promise<BenchSystem> {
  const server = new grpc.Server();
  const casts = new Counter();
  server.addService(SERVICE, {
    echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request),
    cast: (call: grpc.ServerReadableStream<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      call.on("data", () => casts.add(1));
      call.on("end", () => cb(null, Buffer.alloc(0)));
      call.on("error", () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const Client = grpc.makeGenericClientConstructor(SERVICE, "Bench") as unknown as new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ChannelOptions,
  ) => BenchClient;
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    "grpc.max_send_message_length": -1,
    "grpc.max_receive_message_length": -1,
  });
  const call = (p: Payload): Promise<Buffer | undefined> =>
    new Promise((resolve, reject) => client.echo(p.buf, (err, res) => (err ? reject(err) : resolve(res))));
  await call({ bytes: 0, text: "", buf: Buffer.alloc(0), rawFrame: Buffer.alloc(0) });
  const stream = client.cast(() => undefined);
  stream.on("error", () => undefined);
  return {
    name: "grpc",
    call,
    cast: {
      perSend: 1,
      received: casts,
      async sendBurst(p: Payload, n: number) {
        let full = false;
        for (let i = 0; i < n; i++) full = !stream.write(p.buf) || full;
        await new Promise<void>((r) => (full ? stream.once("drain", () => r()) : setImmediate(r)));
      },
    },
    async close() {
      stream.end();
      client.close();
      await new Promise<void>((r) => server.tryShutdown(() => r()));
    },
  };
}
