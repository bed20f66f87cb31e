/**
 * A server in its own process, for the multi-process tests: argv = <transport URL>
 * <topic>[,<topic>...] <server name> [<DriverOptions as JSON>]. It starts one RpcServer per
 * topic, all with the same server name on one transport, and prints one JSON line per event
 * on stdout: {"event":"ready","host":...,"hosts":{topic: host}} once every server is
 * registered ("host": the first topic's), {"event":"stopped"} after a graceful stop. It
 * reads commands from stdin: "stop" (graceful stop, then exit). The test kills it with
 * SIGKILL to simulate a crash, or freezes it with SIGSTOP and thaws it with SIGCONT.
 *
 * Endpoint: whoami, echo, append (per-process string, oslo's TestServerEndpoint), record
 * (remembers its argument; for casts and fanouts), received (what record saw), run
 * (records the id it is given under its topic and answers {id, server}), spin (blocks the
 * event loop with a busy loop for `ms` milliseconds, then answers {server, spunMs}) and
 * report (a ServerReport: per topic its host, the ids run ran, and its server's stats).
 */
import { createInterface } from "node:readline";
import { getRpcServer, getRpcTransport, type DriverOptions, type RpcServer } from "../../../src/index.js";
import type { ServerReport } from "./children.js";

const [url, topicList, name, optionsJson] = process.argv.slice(2);
if (!url || !topicList || !name) {
  console.error("usage: server-process.ts <url> <topic>[,<topic>...] <server> [options-json]");
  process.exit(2);
}
const topics = topicList.split(",");
const options = (optionsJson ? JSON.parse(optionsJson) : {}) as DriverOptions;
const emit = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

const received: string[] = [];
let sval = "";
const servers = new Map<string, { server: RpcServer; ran: string[] }>();

const report = (): ServerReport => ({
  server: name,
  pid: process.pid,
  topics: Object.fromEntries(
    [...servers].map(([topic, { server, ran }]) => [
      topic,
      { host: server.host!, ran: [...ran], stats: { ...server.stats } },
    ]),
  ),
});

const transport = await getRpcTransport(url, options);
for (const topic of topics) {
  const ran: string[] = [];
  const endpoint = {
    whoami: () => name,
    echo: (_ctx: unknown, args: { value: unknown }) => args.value,
    append: (_ctx: unknown, args: { text: string }) => (sval += args.text),
    record: (_ctx: unknown, args: { item: string }) => void received.push(args.item),
    received: () => received,
    run: (_ctx: unknown, args: { id: string }) => {
      ran.push(args.id);
      return { id: args.id, server: name };
    },
    spin: (_ctx: unknown, args: { ms: number }) => {
      const start = performance.now();
      while (performance.now() - start < args.ms) {
        // busy: nothing else of this process's JavaScript runs meanwhile
      }
      return { server: name, spunMs: performance.now() - start };
    },
    report,
  };
  servers.set(topic, { server: getRpcServer(transport, { topic, server: name }, [endpoint]), ran });
}
for (const { server } of servers.values()) await server.start();
const hosts = Object.fromEntries([...servers].map(([topic, { server }]) => [topic, server.host]));
emit({ event: "ready", host: hosts[topics[0]!], hosts, pid: process.pid });

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (line.trim() !== "stop") return;
  void (async () => {
    await Promise.all([...servers.values()].map(({ server }) => server.stop()));
    emit({ event: "stopped" });
    rl.close();
    await transport.close();
    process.exit(0);
  })();
});
