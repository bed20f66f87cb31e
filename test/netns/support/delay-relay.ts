/**
 * Added latency where the kernel has no netem (faults.ts, netemSkipReason()): a TCP relay in
 * the server's namespace that holds back every byte the server sends for `delayMs`, like a
 * netem delay on the server's egress. argv = <listen address> <port> <target address>
 * <target port>. The server binds the target (127.0.0.1 in its own namespace) and
 * advertises the listen address with the same port, so clients reach it only through the
 * relay. Bytes keep their order when the delay changes (a chunk is never due before the
 * one ahead of it). Prints {"event":"ready"} once listening; takes {"cmd":"delay","ms":N,
 * "req":...} on stdin and answers {"event":"result","req":...,"ok":true}.
 */
import { connect, createServer, type Socket } from "node:net";
import { createInterface } from "node:readline";

const [listenHost, listenPort, targetHost, targetPort] = process.argv.slice(2);
if (!listenHost || !listenPort || !targetHost || !targetPort) {
  console.error("usage: delay-relay.ts <listen-address> <port> <target-address> <target-port>");
  process.exit(2);
}
let delayMs = 0;
const emit = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

/** Writes chunks to `to` no sooner than delayMs after they arrived, in arrival order. */
function delayedPipe(from: Socket, to: Socket): void {
  const queue: { dueMs: number; chunk: Buffer }[] = [];
  let lastDueMs = 0;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const pump = (): void => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.dueMs <= now) to.write(queue.shift()!.chunk);
    if (queue.length > 0) timer = setTimeout(pump, queue[0]!.dueMs - now);
    else if (ended) to.end();
  };
  from.on("data", (chunk: Buffer) => {
    lastDueMs = Math.max(performance.now() + delayMs, lastDueMs);
    queue.push({ dueMs: lastDueMs, chunk });
    if (timer === undefined) pump();
  });
  from.on("end", () => {
    ended = true;
    if (timer === undefined) pump();
  });
}

const server = createServer({ noDelay: true }, (client) => {
  const upstream = connect({ host: targetHost, port: Number(targetPort), noDelay: true });
  client.pipe(upstream);
  delayedPipe(upstream, client);
  const close = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close);
  upstream.on("error", close);
  client.on("close", () => upstream.destroy());
});
server.listen(Number(listenPort), listenHost, () => emit({ event: "ready", pid: process.pid }));

createInterface({ input: process.stdin }).on("line", (line) => {
  let c: { cmd?: string; ms?: number; req?: string };
  try {
    c = JSON.parse(line);
  } catch {
    return;
  }
  if (c.cmd === "delay" && typeof c.ms === "number" && c.ms >= 0) {
    delayMs = c.ms;
    emit({ event: "result", req: c.req, ok: true });
  } else emit({ event: "result", req: c.req, ok: false, error: { message: `bad command ${line}` } });
});
