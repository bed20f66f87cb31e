/**
 * A server in its own process, for the multi-process tests: argv = <transport URL> <topic>
 * <server name> [<DriverOptions as JSON>]. It starts an RpcServer and prints one JSON line
 * per event on stdout: {"event":"ready","host":...} once registered, {"event":"stopped"}
 * after a graceful stop. It reads commands from stdin: "stop" (graceful stop, then exit).
 * The test kills it with SIGKILL to simulate a crash.
 *
 * Endpoint: whoami, echo, append (per-server string, oslo's TestServerEndpoint), record
 * (remembers its argument; for casts and fanouts) and received (what record saw).
 */
import { createInterface } from "node:readline";
import { getRpcServer, getRpcTransport, type DriverOptions } from "../../../src/index.js";

const [url, topic, name, optionsJson] = process.argv.slice(2);
if (!url || !topic || !name) {
  console.error("usage: server-process.ts <url> <topic> <server> [options-json]");
  process.exit(2);
}
const options = (optionsJson ? JSON.parse(optionsJson) : {}) as DriverOptions;
const emit = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

const received: string[] = [];
let sval = "";
const endpoint = {
  whoami: () => name,
  echo: (_ctx: unknown, args: { value: unknown }) => args.value,
  append: (_ctx: unknown, args: { text: string }) => (sval += args.text),
  record: (_ctx: unknown, args: { item: string }) => void received.push(args.item),
  received: () => received,
};

const transport = await getRpcTransport(url, options);
const server = getRpcServer(transport, { topic, server: name }, [endpoint]);
await server.start();
emit({ event: "ready", host: server.host, pid: process.pid });

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (line.trim() !== "stop") return;
  void (async () => {
    await server.stop();
    emit({ event: "stopped" });
    rl.close();
    await transport.close();
    process.exit(0);
  })();
});
