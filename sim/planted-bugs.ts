/**
 * Deliberately planted driver bugs, for tests and demonstrations that the checkers catch
 * real mistakes and fast-check shrinks the schedules that expose them. Applied per
 * transport instance through a wrapper (never by editing src/), only when
 * SimOptions.plantedBug names one.
 *
 * - "stale-reply-to-oldest": a reply whose call is no longer pending (it timed out) is
 *   handed to the oldest pending call of the same engine instead of being dropped as
 *   stale. A classic id-mixup bug; it stays invisible until some reply arrives after its
 *   deadline, which takes a fault (a slow or hung handler, a clogged link, a pause).
 * - "no-dedup": servers forget every message id at once, so a duplicate runs again. It
 *   stays invisible until a request reaches a server twice (the duplicate fault).
 * - "run-expired": servers ignore deadlines and run requests whose caller gave up. It
 *   stays invisible until a request waits past its deadline (a paused server, a clog).
 * - "moves-non-idempotent": with acks, clients treat every call and cast as idempotent,
 *   so one whose server is believed dead moves to another server even though it may
 *   have run on the first. It stays invisible until a server goes silent (a pause, a
 *   partition) with requests in flight, and the silent one runs them later.
 * - "cast-before-ack": casts resolve as soon as they are made, without waiting for an
 *   ACK (fire and forget), while the driver goes on delivering them. It stays invisible
 *   until a cast is lost for good (a server that never gets it, and a caller that then
 *   gives up on it) after the caller was told it had been delivered.
 * - "ignores-open-breaker": clients pick hosts whatever their circuit breaker says (every
 *   host is allowed), so an open host keeps getting requests. It stays invisible until a
 *   breaker opens (a dropped connection, missed heartbeats, failures in a row).
 * - "ignores-disconnects": clients ignore a pooled socket's "disconnect" (a dropped
 *   connection, missed heartbeats): the host is not believed dead, so it stays in routing
 *   until its sends fail often enough. It stays invisible until a connection drops while
 *   the matchmaker still lists its server (a partition, a frozen server within its TTL).
 * - "proxy-acks-on-receipt": a proxy (proxy routing mode, sim/cluster/proxy-host.ts)
 *   answers every routed request with an ACK of its own as it forwards it, instead of
 *   relaying the server's ACK (a store-and-forward proxy that forgot it stores nothing).
 *   The client takes the ACK as proof of delivery and stops tracking the copy. It stays
 *   invisible until a proxy fails with forwarded requests still in its queues or on the
 *   wire to a server (a proxy crash, a proxy cut off from a server).
 */
import { transportInternals, type Transport } from "../src/api/transport.js";
import { encodeAck, type Decoded, type DecodedReply, type DecodedRequest } from "../src/core/codec.js";
import { fromFrames, parseClientMessage } from "../src/core/proxy-frames.js";
import type { ProxyShell } from "../src/driver/proxy-shell.js";
import type { SendRequest } from "../src/driver/outbound.js";
import type { RpcListener } from "../src/driver/rpc-listener.js";

export const PLANTED_BUGS = [
  "stale-reply-to-oldest",
  "no-dedup",
  "run-expired",
  "moves-non-idempotent",
  "cast-before-ack",
  "ignores-open-breaker",
  "ignores-disconnects",
  "proxy-acks-on-receipt",
] as const;

/** The planted bugs that live in the proxy, not in the driver's transports. */
const PROXY_BUGS: readonly string[] = ["proxy-acks-on-receipt"];
export type PlantedBug = (typeof PLANTED_BUGS)[number];

interface EngineInternals {
  /** One decoded reply, alone or out of a batch (src/driver/client-engine.ts). */
  onReply(r: Decoded<DecodedReply>, peer: string): void;
  /** The delivery core keeps pending requests in the order they were made. */
  delivery: { core: { request(id: string): unknown; pending(): Iterable<{ id: string; kind: string }> } };
}

/** The parts of a listener's RequestIntake (src/driver/request-intake.ts) the server bugs replace. */
interface IntakeInternals {
  cache: { has(id: string, nowMs: number): boolean };
  screen(req: DecodedRequest): string;
  startable(req: DecodedRequest): boolean;
}

export function applyPlantedBug(name: string, transport: Transport): void {
  if (PROXY_BUGS.includes(name)) return; // applied to the proxies (applyProxyPlantedBug)
  if (name === "stale-reply-to-oldest") staleReplyToOldest(transport);
  else if (name === "no-dedup")
    onEveryIntake(transport, (intake) => {
      intake.cache.has = () => false;
    });
  else if (name === "run-expired")
    onEveryIntake(transport, (intake) => {
      const screen = intake.screen.bind(intake);
      intake.screen = (req) => {
        const deadline = req.deadline;
        req.deadline = undefined;
        const verdict = screen(req);
        req.deadline = deadline;
        return verdict;
      };
      intake.startable = () => true;
    });
  else if (name === "moves-non-idempotent") onEverySend(transport, (req, send) => send({ ...req, idempotent: true }));
  else if (name === "cast-before-ack")
    onEverySend(transport, (req, send) => {
      const sent = send(req);
      if (req.kind !== "cast") return sent;
      sent.catch(() => undefined); // its failure, if any, reaches nobody
      return Promise.resolve(undefined);
    });
  else if (name === "ignores-open-breaker") {
    const flows = delivery(transport).core.flows;
    flows.health.allows = () => true;
  } else if (name === "ignores-disconnects") {
    const shell = delivery(transport);
    const hostDown = shell.hostDown.bind(shell);
    shell.hostDown = (host, why) => {
      if (why !== "disconnected") hostDown(host, why);
    };
  } else throw new RangeError(`unknown planted bug ${JSON.stringify(name)} (known: ${PLANTED_BUGS.join(", ")})`);
}

/** Applies a proxy planted bug to one simulated proxy's shell; other bugs leave it alone. */
export function applyProxyPlantedBug(name: string, shell: ProxyShell): void {
  if (name !== "proxy-acks-on-receipt") return;
  const core = shell.core;
  const fromFrontend = core.fromFrontend.bind(core);
  core.fromFrontend = (frames) => {
    const effects = fromFrontend(frames);
    const m = parseClientMessage(frames);
    if (typeof m === "string" || m.op !== "R") return effects;
    const client = frames[0]!;
    const ack = encodeAck(client, m.body[2]!.toString()).slice(2);
    return [
      { kind: "send", side: "frontend", peer: client, frames: fromFrames(client, m.destination, ack) },
      ...effects,
    ];
  };
}

function staleReplyToOldest(transport: Transport): void {
  const engine = transportInternals(transport).engine as unknown as EngineInternals;
  const core = engine.delivery.core;
  const original = engine.onReply.bind(engine);
  engine.onReply = (r: Decoded<DecodedReply>, peer: string): void => {
    if (r.ok && core.request(r.value.messageId) === undefined) {
      let oldest: string | undefined;
      for (const p of core.pending()) {
        if (p.kind !== "call") continue;
        oldest = p.id;
        break;
      }
      if (oldest !== undefined) r = { ok: true, value: { ...r.value, messageId: oldest } };
    }
    original(r, peer);
  };
}

/** The client engine's delivery shell (src/driver/delivery-shell.ts), as the client bugs reach it. */
function delivery(transport: Transport): {
  core: { flows: { health: { allows(...args: unknown[]): boolean } } };
  hostDown(host: string, why: string): void;
} {
  return (transportInternals(transport).engine as unknown as { delivery: ReturnType<typeof delivery> }).delivery;
}

/** Puts `wrap` between every RpcClient of `transport` and its client engine's send. */
function onEverySend(
  transport: Transport,
  wrap: (req: SendRequest, send: (req: SendRequest) => Promise<unknown>) => Promise<unknown>,
): void {
  const engine = transportInternals(transport).engine as unknown as { send(req: SendRequest): Promise<unknown> };
  const send = engine.send.bind(engine);
  engine.send = (req) => wrap(req, send);
}

/**
 * Calls `patch` with the RequestIntake of every server started on `transport`. The
 * listener makes its intake synchronously when start() begins, and RpcServer.start
 * attaches the listener just before starting it.
 */
function onEveryIntake(transport: Transport, patch: (intake: IntakeInternals) => void): void {
  const internals = transportInternals(transport) as { attach(l: RpcListener): void };
  const attach = internals.attach;
  internals.attach = (listener) => {
    attach(listener);
    const l = listener as unknown as { start(): Promise<void>; intake: IntakeInternals | undefined };
    const start = l.start.bind(l);
    l.start = () => {
      const started = start();
      if (l.intake) patch(l.intake);
      return started;
    };
  };
}
