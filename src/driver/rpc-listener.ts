/**
 * RPC listener: the server-side shell. One ROUTER bound on a random port, registered in
 * the matchmaker under its role's keys (an RpcServer's: the target's topic key and server
 * key, rpcRole; a notification listener's: its pools' keys), a receive loop that
 * validates frames through the codec, a RequestIntake (request-intake.ts: expired
 * requests, duplicates, ACKs), a WorkGate bounding concurrency, and a ReplySender
 * (reply-sender.ts) for replies.
 *
 * Lifecycle (core/server-lifecycle.ts): start binds, registers and starts receiving;
 * stop deregisters first (so senders stop choosing this server), closes the gate, lets
 * queued and running requests finish and send their replies, then closes the socket.
 * Malformed frames are dropped and counted; a handler failure becomes a reply failure;
 * a reply to a vanished client (EHOSTUNREACH) is dropped and counted. Nothing a peer
 * sends can throw out of the receive loop.
 */
import {
  decodeBatchedRequest,
  decodeRequest,
  MessageType,
  type Decoded,
  type DecodedRequest,
  type DecodedRpcRequest,
} from "../core/codec.js";
import { isBatch, readBatch, WIRE_VERSION } from "../core/batch-frames.js";
import { formatHostEntry } from "../core/host-entry.js";
import { serializeRemoteError } from "../core/remote-error.js";
import { nextServerState, type ServerEvent, type ServerState } from "../core/server-lifecycle.js";
import { WorkGate } from "../core/work-gate.js";
import { MessagingError } from "../errors.js";
import { sleepOn, type Clock, type TimerId } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import { randomId, type Rng } from "../ports/rng.js";
import type { PortSocket, RouterOptions, SocketFactory } from "../ports/socket.js";
import type { ResolvedOptions } from "../options.js";
import type { ListenerRole, Registration } from "./listener-role.js";
import { ReplySender, type HandlerResult } from "./reply-sender.js";
import { RequestIntake } from "./request-intake.js";
import { newListenerStats, type ListenerStats } from "./listener-stats.js";
import { HandshakeLog, type Warn } from "./handshake-log.js";
import type { Observer } from "../observability/observer.js";
import type { FrameDropReason } from "../observability/status-events.js";

export type { HandlerResult, ListenerStats };
export { rpcRole, type ListenerRole, type Registration } from "./listener-role.js";

export type RequestHandler<R extends DecodedRequest = DecodedRpcRequest> = (req: R) => Promise<HandlerResult>;

export interface ListenerDeps {
  sockets: SocketFactory;
  clock: Clock;
  rng: Rng;
  matchmaker: Matchmaker;
  options: ResolvedOptions;
  /** Where refused handshakes are logged (once per client key, or once per cause); default: nowhere. */
  warn?: Warn;
  /** Where dropped frames and failed refreshes are reported (spec/observability.md); none in unit tests. */
  observer?: Observer | undefined;
}

export class RpcListener<R extends DecodedRequest = DecodedRpcRequest> {
  private state: ServerState = "created";
  private socket: PortSocket | undefined;
  private replies: ReplySender | undefined;
  private intake: RequestIntake | undefined;
  private readonly gate: WorkGate<R>;
  private registered: Registration[] = [];
  private refreshTimer: TimerId | undefined;
  private drainedResolve: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private resumeReceiving: (() => void) | undefined;
  private readonly stoppedPromise: Promise<void>;
  private resolveStopped!: () => void;
  private address: string | undefined;
  readonly stats: ListenerStats = newListenerStats();

  constructor(
    private readonly deps: ListenerDeps,
    private readonly role: ListenerRole<R>,
    maxConcurrency: number,
    private readonly handler: RequestHandler<R>,
  ) {
    this.gate = new WorkGate(maxConcurrency);
    this.stoppedPromise = new Promise((r) => (this.resolveStopped = r));
  }

  /** Requests running now, and waiting in the work gate (status snapshots, metrics). */
  get inFlight(): number {
    return this.gate.inFlight;
  }

  get queued(): number {
    return this.gate.queued;
  }

  /**
   * The entry other processes reach this server by, once started: its address, and with
   * CURVE its public key (core/host-entry.ts); what it registers in the matchmaker.
   */
  get host(): string | undefined {
    return this.address;
  }

  /** Binds, registers and starts receiving. A second call returns the first call's promise. */
  start(): Promise<void> {
    if (this.starting && (this.state === "starting" || this.state === "running")) return this.starting;
    if (this.state !== "created")
      return Promise.reject(new MessagingError(`server cannot start in state ${this.state}; create a new one`));
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.transition("start");
    const { sockets, options } = this.deps;
    const curve = options.curve;
    const socket = sockets.router({
      mandatory: true,
      routingId: `srv-${randomId(this.deps.rng)}`,
      sendHighWaterMark: options.sendHighWaterMark,
      sendTimeoutMs: 0,
      lingerMs: options.lingerMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      ...curveServer(options),
      ...(options.maxFrameBytes === null ? {} : { maxFrameBytes: options.maxFrameBytes }),
    });
    this.socket = socket;
    const handshakes = new HandshakeLog(this.role.name, curve !== null, this.deps.warn);
    socket.onEvent((e) => {
      if (e.type === "disconnect") this.stats.peerDisconnects++;
      else if (e.type === "handshake:error") {
        this.stats.refusedHandshakes++;
        handshakes.failed(e.reason);
      } else if (e.type === "auth:refused") handshakes.refusedKey(e.clientKey, e.address);
    });
    this.replies = new ReplySender(socket, this.deps.clock, options, this.stats);
    this.intake = new RequestIntake(this.deps.clock, this.replies, options, this.stats);
    try {
      const endpoint = await socket.bind(`tcp://${options.bindAddress}:*`);
      const address = endpoint.replace(/^tcp:\/\/[^:]+:/, `tcp://${options.advertiseHost}:`);
      // It reads batches either way: in proxy mode the entry is the listener's identity on
      // the proxies' links with "#wire=2" after it, which clients take off (host-entry.ts).
      this.address = formatHostEntry(address, curve?.publicKey, WIRE_VERSION);
      void this.receiveLoop(socket);
      await this.register();
    } catch (err) {
      await this.unregisterAll(); // undo a partial registration
      socket.close();
      // A stop() that came during start finishes the lifecycle itself.
      if (this.state === "starting") {
        this.transition("failed");
        this.resolveStopped();
      }
      throw new MessagingError(`server for ${this.role.name} failed to listen`, { cause: err });
    }
    if ((this.state as ServerState) === "starting") this.transition("started");
  }

  /** Stops taking work, deregisters, finishes in-flight requests, closes the socket. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.state === "created") {
      this.transition("stop");
      this.resolveStopped();
      this.stopping = Promise.resolve();
      return this.stopping;
    }
    // A listener whose start failed is already stopped.
    this.stopping = this.state === "stopped" ? Promise.resolve() : this.doStop();
    return this.stopping;
  }

  /** Resolves once the listener has stopped and its socket is closed. */
  wait(): Promise<void> {
    return this.stoppedPromise;
  }

  private async doStop(): Promise<void> {
    this.transition("stop");
    // A start in progress completes first, so its registrations are undone below.
    await this.starting?.catch(() => undefined);
    if (this.refreshTimer !== undefined) this.deps.clock.clearTimer(this.refreshTimer);
    this.refreshTimer = undefined;
    await this.unregisterAll();
    this.gate.close();
    if (!this.gate.drained()) await new Promise<void>((r) => (this.drainedResolve = r));
    // Replies of the last requests are queued; give them until linger to leave.
    await this.replies?.flush(this.deps.options.lingerMs);
    this.replies?.close();
    // A client DEALER with ZMQ_IMMEDIATE drops replies it has received but not yet read
    // when the connection closes (measured on zeromq.js 6.8 / libzmq 4.3.5), so the
    // socket stays open a short grace period after the last reply left.
    await sleepOn(this.deps.clock, this.deps.options.stopGraceMs);
    this.socket?.close();
    this.wakeReceiver(); // a paused receive loop sees the closed socket and ends
    this.transition("drained");
    this.resolveStopped();
  }

  private async unregisterAll(): Promise<void> {
    const mm = this.deps.matchmaker;
    await Promise.all(this.registered.map((r) => mm.unregister(r.key, r.entry).catch(() => undefined)));
  }

  private transition(event: ServerEvent): void {
    const next = nextServerState(this.state, event);
    if (next === undefined) throw new MessagingError(`server: event ${event} is not allowed in state ${this.state}`);
    this.state = next;
  }

  private async register(): Promise<void> {
    const { matchmaker, options, clock } = this.deps;
    const regs = this.role.registrations(this.address!);
    this.registered = regs;
    const ttl = options.registrationTtlMs;
    await Promise.all(regs.map((r) => matchmaker.register(r.key, r.entry, ttl)));
    if (ttl !== null) {
      const refresh = (): void => {
        if (this.state !== "running" && this.state !== "starting") return;
        for (const r of regs)
          matchmaker.register(r.key, r.entry, ttl).catch((err: unknown) =>
            this.deps.observer?.report({
              type: "registration-failed",
              key: r.key,
              error: err instanceof Error ? err.message : String(err),
            }),
          );
        this.refreshTimer = clock.setTimer(options.registrationRefreshMs, refresh);
      };
      this.refreshTimer = clock.setTimer(options.registrationRefreshMs, refresh);
    }
  }

  private async receiveLoop(socket: PortSocket): Promise<void> {
    for (;;) {
      // Back-pressure: with maxQueuedRequests waiting, stop reading. Requests then wait in
      // libzmq's buffers, up to the receive high-water mark, and beyond it clients' sends
      // time out and fail over to other servers, instead of this queue growing unbounded.
      // A batch envelope is one read: it may take the queue past the limit by its size.
      if (this.gate.queued >= this.deps.options.maxQueuedRequests && !socket.closed) {
        this.stats.backpressurePauses++;
        await new Promise<void>((resolve) => (this.resumeReceiving = resolve));
      }
      let frames: Buffer[];
      try {
        frames = await socket.receive();
      } catch {
        return; // socket closed
      }
      if (isBatch(frames, 1)) this.receiveBatch(frames);
      else this.receiveOne(frames);
    }
  }

  /** A batch envelope: each of its messages is received as if it had come alone. */
  private receiveBatch(frames: Buffer[]): void {
    const peerId = frames[0]!;
    const maxBytes = this.deps.options.maxPayloadBytes;
    const epochMs = this.deps.clock.epochMs(); // the batch's messages arrived together
    const refused = readBatch(frames, 1, (records, at, idEnd, end) =>
      this.receiveDecoded(peerId, decodeBatchedRequest(peerId, records, at, idEnd, end, maxBytes), epochMs),
    );
    if (refused !== undefined) {
      this.stats.received++;
      this.stats.malformed++;
      this.stats.malformedByKind[refused.kind]++;
      this.dropped(peerId, "malformed", refused.reason);
      return;
    }
    this.stats.batchesReceived++;
  }

  private receiveOne(frames: Buffer[]): void {
    this.receiveDecoded(frames[0], decodeRequest(frames, this.deps.options.maxPayloadBytes), undefined);
  }

  /** `batchEpochMs`: for a message of a batch, the wall clock when the batch was read; undefined for one that came alone. */
  private receiveDecoded(
    peerId: Buffer | undefined,
    r: Decoded<DecodedRequest>,
    batchEpochMs: number | undefined,
  ): void {
    this.stats.received++;
    if (!r.ok) {
      if (r.oversized !== undefined) this.replies!.refuseOversized(peerId!, r.oversized);
      else {
        this.stats.malformed++;
        this.stats.malformedByKind[r.kind]++;
      }
      this.dropped(peerId, r.oversized !== undefined ? "oversized" : "malformed", r.reason);
      return;
    }
    const req = r.value;
    if (batchEpochMs !== undefined) req.inBatch = true;
    if (!this.role.serves(req)) {
      this.stats.unsupported++; // a NOTIFY at an RPC server, an RPC request at a notification listener
      this.dropped(req.peerId, "unsupported", `message type ${req.type}`);
      return;
    }
    // Expired or a duplicate: counted, answered if need be (a kept reply, an ACK), dropped.
    const screened = this.intake!.screen(req, batchEpochMs);
    if (screened !== "new") {
      if (screened === "expired") this.dropped(req.peerId, "expired", `message ${req.messageId}`);
      return;
    }
    const verdict = this.gate.offer(req);
    if (verdict === "refused") {
      this.stats.refused++; // no ACK: the caller may try another server
      this.dropped(req.peerId, "refused", `message ${req.messageId}: server stopping`);
      return;
    }
    this.intake!.accepted(req);
    if (verdict === "run") this.run(req);
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.gate.inFlight);
  }

  /**
   * Runs `req` in its WorkGate slot, then the requests queued for the slot, one after the
   * other. Callbacks rather than an async loop: one promise per request (the handler's).
   * A request that waited in the gate past its deadline is dropped and the slot passes on.
   */
  private run(first: R, queued = false): void {
    let req: R | undefined = first;
    if (queued) {
      while (req !== undefined && !this.intake!.startable(req)) req = this.nextJob();
      if (req === undefined) {
        if (this.gate.drained()) this.drainedResolve?.();
        return;
      }
    }
    this.execute(req);
  }

  private execute(req: R): void {
    let pending: Promise<HandlerResult>;
    try {
      pending = this.handler(req);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (result) => this.ran(req, result),
      // The handler serializes its own errors; this is a last resort.
      (err: unknown) => this.ran(req, { failure: serializeRemoteError(err) }),
    );
  }

  private ran(req: R, result: HandlerResult): void {
    this.stats.handled++;
    // A call's reply is kept for its duplicates; a cast's or fanout's id needs nothing more.
    if (req.type === MessageType.CALL) this.intake!.replied(req, this.replies!.reply(req, result));
    const next = this.nextJob();
    if (next) this.run(next, true);
    else if (this.gate.drained()) this.drainedResolve?.();
  }

  /** The next queued request for a finished slot; wakes a paused receive loop when there is room. */
  private nextJob(): R | undefined {
    const next = this.gate.finish();
    if (this.resumeReceiving && this.gate.queued < this.deps.options.maxQueuedRequests) this.wakeReceiver();
    return next;
  }

  private wakeReceiver(): void {
    const wake = this.resumeReceiving;
    this.resumeReceiving = undefined;
    wake?.();
  }

  /** Reports a dropped frame set; `peer` is the sender's routing id (spec/observability.md). */
  private dropped(peer: Buffer | undefined, reason: FrameDropReason, detail: string): void {
    const observer = this.deps.observer;
    if (observer === undefined) return;
    observer.report({ type: "frame-dropped", side: "server", reason, peer: peerName(peer), detail });
  }
}

/** A routing id as text for a log line: printable ASCII as it is, anything else in hex, at most 64 characters. */
export function peerName(id: Buffer | undefined): string {
  if (id === undefined || id.length === 0) return "(unknown)";
  const printable = id.every((b) => b >= 0x20 && b < 0x7f);
  const text = printable ? id.toString("latin1") : `0x${id.toString("hex")}`;
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/** The router's CURVE server options (the secret key is read, never spread: it is not enumerable). */
function curveServer(options: ResolvedOptions): Pick<RouterOptions, "curveServer"> {
  const c = options.curve;
  if (c === null) return {};
  return {
    curveServer: {
      publicKey: c.publicKey,
      secretKey: c.secretKey,
      ...(c.allowedClientKeys === undefined ? {} : { allowedClientKeys: c.allowedClientKeys }),
    },
  };
}
