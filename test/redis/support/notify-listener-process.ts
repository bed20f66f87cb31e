/**
 * A notification listener in its own process, for the multi-process notification test:
 * argv = <transport URL> <topic> <name> <pool or "-"> [DriverOptions as JSON]. It starts a NotificationListener on
 * <topic> (in <pool>, or a pool of its own for "-") whose endpoint records each info
 * payload, and an RpcServer named <name> on "<topic>-ctl" whose "received" method answers
 * the payloads recorded so far. Events on stdout as server-process.ts prints them:
 * {"event":"ready","host":...,"hosts":{...}} once both are registered, {"event":"stopped"}
 * after a graceful stop ("stop" on stdin).
 */
import { createInterface } from "node:readline";
import { getNotificationListener, getNotificationTransport, getRpcServer } from "../../../src/index.js";

const [url, topic, name, pool, optionsJson] = process.argv.slice(2);
if (!url || !topic || !name || !pool) {
  console.error("usage: notify-listener-process.ts <url> <topic> <name> <pool|-> [options-json]");
  process.exit(2);
}
const emit = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const received: unknown[] = [];
const transport = await getNotificationTransport(url, optionsJson ? JSON.parse(optionsJson) : {});
const listener = getNotificationListener(
  transport,
  [{ topic }],
  [{ info: (_ctx: unknown, _publisher: unknown, _type: unknown, payload: unknown) => void received.push(payload) }],
  pool === "-" ? {} : { pool },
);
const control = getRpcServer(transport, { topic: `${topic}-ctl`, server: name }, [
  { received: () => received, stats: () => listener.stats },
]);
await listener.start();
await control.start();
emit({ event: "ready", host: control.host, hosts: { [topic]: control.host }, pid: process.pid });

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (line.trim() !== "stop") return;
  void (async () => {
    await Promise.all([listener.stop(), control.stop()]);
    emit({ event: "stopped" });
    rl.close();
    await transport.close();
    process.exit(0);
  })();
});
