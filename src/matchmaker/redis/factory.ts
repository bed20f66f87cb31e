/**
 * Creates the matchmaker a zmq+redis(s):// or zmq+sentinel(s):// URL names. Used by
 * api/transport.ts (getRpcTransport) and the CLI.
 *
 * Startup: waits for the first connection at most firstConnectWaitMs (with TLS at least
 * connectTimeoutMs + 100 ms, so that a handshake that gets no answer ends first). Redis
 * being down is not a reason to fail: the transport works from what it learns once Redis
 * answers, and operations fail with MatchmakerUnavailable meanwhile. A cause no retry can
 * cure is: a wrong user or password, an ACL that refuses the handshake's commands, a
 * certificate that is not trusted, a client certificate required or refused (a reset
 * right after the handshake that a silent handshake shows to be the server's alert), a
 * plaintext port reached with TLS (told from a hung Redis by a plaintext PING). Then both
 * connections are closed (no reconnect loop) and the factory rejects with
 * MatchmakerUnavailable whose `reason` and message name the cause, its cause chain
 * scrubbed of secrets.
 */
import { createConnection } from "node:net";
import { connect as tlsConnect, type ConnectionOptions, createSecureContext } from "node:tls";
import { redactText } from "../../core/redact.js";
import { MatchmakerUnavailable } from "../../errors.js";
import type { Clock, TimerId } from "../../ports/clock.js";
import { errorMeaning, isFatal } from "./connect-errors.js";
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
  const notStarted = "; the transport was not started";
  if (last !== undefined && isFatal(last)) return mm.startupError(`: ${last.text}${notStarted}`);
  if (!spec.tls || last === undefined) return undefined;
  const prefix = `Redis matchmaker (${mm.toJSON().redis}): `;
  if (spec.kind === "redis") {
    // A TLS handshake that got no answer: a plaintext Redis waits for a line that never comes.
    if (last.code === "ETIMEDOUT" && (await answersPlaintext(spec.host, spec.port, clock, o.connectTimeoutMs)))
      return new MatchmakerUnavailable(
        `${prefix}TLS: port ${spec.port} answers plaintext Redis, not TLS (use zmq+redis://, or Redis's tls-port)${notStarted}`,
        { reason: "tls" },
      );
    // Reset right after the handshake: in TLS 1.3 a server that requires (or refuses) the
    // client certificate says so after the client finished; ioredis wrote first and saw a
    // reset. A handshake that writes nothing reads the server's alert.
    if (last.code !== "ECONNRESET" && last.code !== "EPIPE") return undefined;
    return tlsProbe(prefix, spec.host, spec.port, clock, o);
  }
  // ioredis's Sentinel connector loses a Sentinel's TLS error (it reports "Connection is
  // closed.", or a timeout on a slow machine): ask the first Sentinel ourselves.
  const first = spec.sentinels[0]!;
  return tlsProbe(`${prefix}Sentinel ${first.host}:${first.port}: `, first.host, first.port, clock, o);
}

/** MatchmakerUnavailable when a silent TLS handshake with host:port fails for a reason no retry cures. */
async function tlsProbe(
  prefix: string,
  host: string,
  port: number,
  clock: Clock,
  o: ResolvedRedisMatchmakerOptions,
): Promise<MatchmakerUnavailable | undefined> {
  const alert = await handshakeError(host, port, o.tls ?? {}, clock, o.connectTimeoutMs);
  const meaning = errorMeaning(alert, true, true);
  if (meaning === undefined || !isFatal(meaning)) return undefined;
  return new MatchmakerUnavailable(`${prefix}${meaning.text}; the transport was not started`, {
    reason: meaning.reason,
    cause: alert,
  });
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

/** The error a TLS handshake with `tls` ends with when it sends nothing and waits `ms` for the server (undefined: none). */
function handshakeError(
  host: string,
  port: number,
  tls: ConnectionOptions,
  clock: Clock,
  ms: number,
): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ ...tls, host, port });
    let timer: TimerId | undefined;
    const done = (err: Error | undefined): void => {
      if (timer !== undefined) clock.clearTimer(timer);
      timer = undefined;
      socket.destroy();
      resolve(err);
    };
    timer = clock.setTimer(ms, () => {
      timer = undefined;
      done(undefined);
    });
    socket.on("error", (err) => done(err));
    socket.on("close", () => done(undefined));
  });
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
