/**
 * Helpers of the CURVE tests (test/security/): a TCP relay that records every byte it
 * forwards, a logger that keeps its lines, a counting endpoint, and moving a server's
 * matchmaker entries to another address (the relay's, or a forged key).
 */
import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { Logger, Target } from "../../src/index.js";
import { formatHostEntry, listenKeys, parseHostEntry, type Matchmaker } from "../../src/internal.js";

/** Loopback TCP relay: connections to `address` are piped to `target`; `bytes()` is everything that crossed it. */
export interface Relay {
  /** "tcp://127.0.0.1:<port>" */
  readonly address: string;
  bytes(): Buffer;
  close(): Promise<void>;
}

export async function startRelay(target: string): Promise<Relay> {
  const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(target);
  if (!m) throw new Error(`not a tcp address: ${target}`);
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = createConnection({ host: m[1]!, port: Number(m[2]) });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("error", () => s.destroy());
      s.on("close", () => sockets.delete(s));
    }
    inbound.on("data", (d: Buffer) => {
      chunks.push(Buffer.from(d));
      outbound.write(d);
    });
    outbound.on("data", (d: Buffer) => {
      chunks.push(Buffer.from(d));
      inbound.write(d);
    });
    inbound.on("close", () => outbound.destroy());
    outbound.on("close", () => inbound.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  return {
    address: `tcp://127.0.0.1:${port}`,
    bytes: () => Buffer.concat(chunks),
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

/** A logger that keeps what it is told. */
export function capturingLogger(): Logger & { lines: { message: string; details?: Record<string, unknown> }[] } {
  const lines: { message: string; details?: Record<string, unknown> }[] = [];
  return { lines, warn: (message, details) => lines.push({ message, details }) };
}

/** An endpoint that counts what ran. */
export class CountingEndpoint {
  readonly ran: string[] = [];
  echo(_ctx: unknown, args: { text: string }): string {
    this.ran.push(`echo:${args.text}`);
    return args.text;
  }
  note(_ctx: unknown, args: { text: string }): void {
    this.ran.push(`note:${args.text}`);
  }
}

/**
 * Replaces the matchmaker entries of the server `target` (started, entry `entry`) with the
 * same entry at `address`, or with `key` as its published key: the server is then reached
 * through a relay, or named by a forged registration.
 */
export async function moveEntry(
  mm: Matchmaker,
  target: Target,
  entry: string,
  change: { address?: string; key?: string | null },
): Promise<string> {
  const parsed = parseHostEntry(entry);
  const moved = formatHostEntry(
    change.address ?? parsed.address,
    change.key === null ? undefined : (change.key ?? parsed.curveServerKey),
  );
  for (const key of listenKeys(target)) {
    await mm.unregister(key, entry);
    await mm.register(key, moved, null);
  }
  return moved;
}
