/**
 * Creates the matchmaker a zmq+redis(s):// or zmq+sentinel(s):// URL names. Used by
 * api/transport.ts (getRpcTransport) and the CLI.
 *
 * Startup: waits for the first connection at most firstConnectWaitMs (with TLS at least
 * connectTimeoutMs + 100 ms, so that a handshake that gets no answer ends first). Redis
 * being down is not a reason to fail: the transport works from what it learns once Redis
 * answers, and operations fail with MatchmakerUnavailable meanwhile. A cause no retry can
 * cure is: a wrong user or password, an ACL that refuses the handshake's commands, a
 * certificate that is not trusted, a client certificate required, a plaintext port
 * reached with TLS. Then both connections are closed (no reconnect loop) and the factory
 * rejects with MatchmakerUnavailable whose `reason` and message name the cause, its
 * cause chain scrubbed of secrets.
 */
import { createConnection } from "node:net";
import { createSecureContext } from "node:tls";
import { redactText } from "../../core/redact.js";
import { MatchmakerUnavailable } from "../../errors.js";
import type { Clock, TimerId } from "../../ports/clock.js";
import { isFatal } from "./connect-errors.js";
import { openConnections, specSecrets, type RedisSpec } from "./connection.js";
import {
  resolveRedisMatchmakerOptions,
  type RedisMatchmakerOptions,
  type ResolvedRedisMatchmakerOptions,
} from "./options.js";
import { RedisMatchmaker } from "./redis-matchmaker.js";

/** Margin past connectTimeoutMs for ioredis's connect timeout to fire and be reported. */
const TIMEOUT_MARGIN_MS = 100;

export async function createRedisMatchmaker(
  spec: RedisSpec,
  clock: Clock,
  options: RedisMatchmakerOptions = {},
): Promise<RedisMatchmaker> {
  const resolved = resolveRedisMatchmakerOptions(options);
  checkTls(spec, resolved);
  const conn = openConnections(spec, resolved);
  const mm = new RedisMatchmaker(conn, clock, resolved);
  const waitMs = spec.tls
    ? Math.max(resolved.firstConnectWaitMs, resolved.connectTimeoutMs + TIMEOUT_MARGIN_MS)
    : resolved.firstConnectWaitMs;
  if (await mm.ready(waitMs)) return mm;
  const failure = await startupFailure(mm, spec, clock, resolved);
  if (failure === undefined) return mm;
  await mm.close();
  throw failure;
}

/** The error that stops startup, or undefined when the matchmaker should start (Redis merely down). */
async function startupFailure(
  mm: RedisMatchmaker,
  spec: RedisSpec,
  clock: Clock,
  o: ResolvedRedisMatchmakerOptions,
): Promise<MatchmakerUnavailable | undefined> {
  const last = mm.lastFailure;
  if (last !== undefined && isFatal(last)) return mm.startupError(`: ${last.text}; the transport was not started`);
  // A TLS handshake that got no answer: a plaintext Redis waits for a line that never comes.
  if (spec.tls && spec.kind === "redis" && last?.code === "ETIMEDOUT") {
    if (await answersPlaintext(spec.host, spec.port, clock, o.connectTimeoutMs))
      return new MatchmakerUnavailable(
        `Redis matchmaker (${mm.toJSON().redis}): TLS: port ${spec.port} answers plaintext Redis, not TLS (use zmq+redis://, or Redis's tls-port); the transport was not started`,
        { reason: "tls" },
      );
  }
  return undefined;
}

/** TLS options need a TLS URL, and must load (a bad PEM fails here, naming the option). */
function checkTls(spec: RedisSpec, o: ResolvedRedisMatchmakerOptions): void {
  if (o.tls === undefined) return;
  if (!spec.tls)
    throw new RangeError(
      "RedisMatchmakerOptions.tls is set but the transport URL does not use TLS; use zmq+rediss:// or zmq+sentinels://",
    );
  try {
    createSecureContext(o.tls);
  } catch (err) {
    const text = redactText(err instanceof Error ? err.message : String(err), specSecrets(spec, o));
    throw new TypeError(`RedisMatchmakerOptions.tls cannot be used: ${text}`);
  }
}

/** Sends an inline PING to host:port without TLS; true when a RESP line (+PONG, -NOAUTH…) comes back. */
function answersPlaintext(host: string, port: number, clock: Clock, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let timer: TimerId | undefined;
    const done = (answer: boolean): void => {
      if (timer !== undefined) clock.clearTimer(timer);
      timer = undefined;
      socket.destroy();
      resolve(answer);
    };
    timer = clock.setTimer(ms, () => {
      timer = undefined;
      done(false);
    });
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d: Buffer) => done(/^[+-]/.test(d.toString("latin1"))));
  });
}
