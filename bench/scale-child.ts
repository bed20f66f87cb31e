/**
 * One process of the scale benchmark (bench/scale.ts), started by it:
 *
 *   scale-child.ts servers --url URL --options JSON --names srv-000,srv-005,...
 *   scale-child.ts client  --url URL --options JSON --servers N --calls N --concurrency N --timeout-ms N
 *
 * `servers` starts one RpcServer per name on topic SCALE_TOPIC, all on one transport (each
 * has its own ROUTER, as separate servers would), prints {"event":"ready"} and stops them on
 * SIGTERM. `client` prints {"event":"ready"} once its transport exists, then follows the
 * commands on its stdin, one a line: "warm" calls each of the N servers by name once
 * ({"event":"warm"}); "go" runs the loop of calls to the topic (any server) and prints
 * {"event":"done"} with every latency; "exit" closes the transport and exits.
 */
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { getRpcServer, getRpcTransport, RpcClient, type DriverOptions, type RpcServer } from "../src/index.js";
import { SCALE_TOPIC, serverName } from "./scale-cli.js";

const emit = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const message = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string" },
    options: { type: "string" },
    names: { type: "string" },
    servers: { type: "string" },
    calls: { type: "string" },
    concurrency: { type: "string" },
    "timeout-ms": { type: "string" },
  },
});
const role = positionals[0];
const url = values.url!;
const options = JSON.parse(values.options ?? "{}") as DriverOptions;

async function runServers(names: string[]): Promise<void> {
  const transport = await getRpcTransport(url, options);
  const endpoint = { ping: (_ctx: unknown, args: { seq?: number }) => args?.seq ?? 0 };
  const servers: RpcServer[] = names.map((server) =>
    getRpcServer(transport, { topic: SCALE_TOPIC, server }, [endpoint]),
  );
  for (const s of servers) await s.start();
  emit({ event: "ready", pid: process.pid, servers: names.length });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void transport.close().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

async function runClient(): Promise<void> {
  const servers = Number(values.servers);
  const calls = Number(values.calls);
  const concurrency = Number(values.concurrency ?? 1);
  const timeoutMs = Number(values["timeout-ms"] ?? 60_000);
  const transport = await getRpcTransport(url, options);
  const any = new RpcClient(transport, { topic: SCALE_TOPIC }, { timeoutMs });
  const errors: string[] = [];
  const failed = (err: unknown): void => {
    if (errors.length < 5) errors.push(message(err));
  };
  emit({ event: "ready", pid: process.pid });

  const warm = async (): Promise<void> => {
    const t0 = performance.now();
    let ok = 0;
    let bad = 0;
    for (let i = 0; i < servers; i++) {
      const named = any.prepare({ server: serverName(i) });
      try {
        await named.call({}, "ping", { seq: i });
        ok++;
      } catch (err) {
        bad++;
        failed(err);
      }
    }
    emit({ event: "warm", ok, failed: bad, ms: performance.now() - t0, errors });
  };

  const go = async (): Promise<void> => {
    const latenciesUs: number[] = [];
    let next = 0;
    let bad = 0;
    const t0 = performance.now();
    const worker = async (): Promise<void> => {
      while (next < calls) {
        const seq = next++;
        const s = performance.now();
        try {
          await any.call({}, "ping", { seq });
          latenciesUs.push(Math.round((performance.now() - s) * 1000));
        } catch (err) {
          bad++;
          failed(err);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    emit({ event: "done", ok: latenciesUs.length, failed: bad, ms: performance.now() - t0, latenciesUs, errors });
  };

  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    const cmd = line.trim();
    if (cmd === "warm") void warm();
    else if (cmd === "go") void go();
    else if (cmd === "exit") {
      rl.close();
      void transport.close().finally(() => process.exit(0));
    }
  });
  // The parent went away: nobody will say "exit".
  rl.on("close", () => void transport.close().finally(() => process.exit(0)));
}

if (role === "servers") await runServers((values.names ?? "").split(",").filter((n) => n !== ""));
else if (role === "client") await runClient();
else {
  process.stderr.write("usage: scale-child.ts servers|client --url URL ... (started by bench/scale.ts)\n");
  process.exit(2);
}
