/**
 * Client engine: one per transport, shared by every RpcClient on it. It makes each
 * request (message id, deadline, frames, promise), decodes replies, and owns the pieces
 * that deliver: the socket pool, HostSync, and the delivery shell (delivery-shell.ts),
 * which performs what the delivery core decides (src/core/delivery-core.ts,
 * spec/delivery.md). Each request settles exactly once:
 * - call:   by its reply (value or remote error), or MessagingTimeout at the deadline;
 * - cast:   when a receiver's connection accepted it, or MessageDeliveryFailure;
 * - fanout: when every server of the topic accepted it, or MessageDeliveryFailure;
 * - notify: one notification copy for one pool, settled like a cast (notify()).
 * The deadline starts when the request is made; waiting for a server to appear in the
 * matchmaker counts against it (oslo waited up to 20 s for the matchmaker first).
 */
import { createBalancing } from "../core/balancing/balancing.js";
import { isBatch, readBatch } from "../core/batch-frames.js";
import type { OutFrame } from "../core/out-frames.js";
import {
  decodeAck,
  decodeBatchedAck,
  decodeBatchedReply,
  decodeReply,
  encodeRequestFrames,
  isAckFrames,
  isAckRecord,
  MessageType,
  notificationFrames,
  type Decoded,
  type DecodedAck,
  type DecodedReply,
  type MalformedKind,
  type RpcRequestType,
} from "../core/codec.js";
import { zeroClientStats, type ClientStats, type Failover, type RequestKind } from "../core/delivery-request.js";
import { PUBLISHED_HOST_PREFIX } from "../core/proxy-frames.js";
import { deserializeRemoteError } from "../core/remote-error.js";
import { sendKey } from "../core/target.js";
import { PayloadTooLarge, TransportClosed } from "../errors.js";
import type { Clock } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import { randomId, type Rng } from "../ports/rng.js";
import type { SocketFactory } from "../ports/socket.js";
import type { ResolvedOptions } from "../options.js";
import { HostSync } from "../pool/host-sync.js";
import { SocketPool, type PoolMetrics } from "../pool/socket-pool.js";
import type { Observer } from "../observability/observer.js";
import { DeliveryShell } from "./delivery-shell.js";
import { Outbound, type NotifyRequest, type SendRequest } from "./outbound.js";

export type { ClientStats } from "../core/delivery-request.js";
export type { NotifyRequest, SendKind, SendRequest } from "./outbound.js";

export class ClientEngine {
  private readonly pool: SocketPool;
  private readonly hostSync: HostSync;
  private readonly delivery: DeliveryShell;
  private closed = false;
  private readonly idPrefix: string;
  private nextId = 0;
  readonly stats: ClientStats = zeroClientStats();

  constructor(
    private readonly clock: Clock,
    rng: Rng,
    sockets: SocketFactory,
    matchmaker: Matchmaker,
    private readonly options: ResolvedOptions,
    /** Where status events go (spec/observability.md); none in unit tests. */
    private readonly observer?: Observer,
  ) {
    this.idPrefix = `${randomId(rng).slice(0, 16)}.`;
    this.pool = new SocketPool({
      sockets,
      clock,
      rng,
      options,
      onFrames: (frames, peer) => this.onFrames(frames, peer),
      onPeerDisconnect: (peer, undelivered) => {
        this.observer?.report({ type: "peer-dead", peer, reason: "disconnected" });
        matchmaker.hostDown?.(peer);
        this.delivery.hostDown(peer, "disconnected", undelivered);
      },
      onPeerConnect: (peer) => this.delivery.hostUp(peer),
    });
    // A host the matchmaker dropped gets no new picks (it is not listed), but what it took
    // may still be answered: a graceful stop deregisters first, then finishes its calls.
    this.hostSync = new HostSync(matchmaker, (host) => this.pool.hostRemoved(host));
    this.delivery = new DeliveryShell({
      clock,
      matchmaker,
      pool: this.pool,
      hostSync: this.hostSync,
      stats: this.stats,
      hostWaitIntervalMs: options.hostWaitIntervalMs,
      maxSockets: options.pool.maxSockets,
      breaker: options.circuitBreaker,
      acks: options.acks
        ? { ackTimeoutMs: options.ackTimeoutMs, ackResendsPerHost: options.ackResendsPerHost }
        : undefined,
      balancing: createBalancing(options.balancing, rng),
      observer,
    });
  }

  /** Socket pool counters (spec/pool.md). */
  get poolMetrics(): PoolMetrics {
    return this.pool.metrics();
  }

  get pendingCount(): number {
    return this.delivery.core.pendingCount;
  }

  /** Hosts whose circuit breaker is not closed: open, half-open or being probed (tests, diagnostics). */
  get unhealthyHosts(): readonly string[] {
    return this.delivery.core.unhealthyHosts;
  }

  send(req: SendRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new TransportClosed());
    const id = this.newId();
    let key = req.key ?? sendKey(req.target);
    // Proxy mode: a fanout is one copy to a proxy's publisher (spec/proxy.md).
    if (req.kind === "fanout" && this.options.routing === "proxy") key = `${PUBLISHED_HOST_PREFIX}${key}`;
    const type: RpcRequestType =
      req.kind === "call" ? MessageType.CALL : req.kind === "cast" ? MessageType.CAST : MessageType.CAST_FANOUT;
    const frames = encodeRequestFrames(type, id, req.context, req.message, this.options.maxPayloadBytes);
    const failover = req.target.server ? "one-server" : req.idempotent ? "move" : "not-idempotent";
    req.span?.setAttribute("messaging.message.id", id);
    return this.deliver(id, req.kind, key, frames, req.timeoutMs, req.retry, failover);
  }

  /**
   * Sends one notification copy to one pool as a NOTIFY; settles like a cast. Its copy
   * never moves to a second member after one accepted it (a pool gets it at most once).
   */
  notify(req: NotifyRequest): Promise<void> {
    if (this.closed) return Promise.reject(new TransportClosed());
    const id = this.newId();
    const frames = notificationFrames(id, req.payload);
    return this.deliver(id, "cast", req.key, frames, req.timeoutMs, req.retry, "not-idempotent") as Promise<void>;
  }

  /**
   * Ids only need to be unique among this engine's requests (replies come back on the
   * engine's own sockets): a random per-engine prefix and a counter, no rng per request.
   */
  private newId(): string {
    return `${this.idPrefix}${(this.nextId++).toString(36)}`;
  }

  private deliver(
    id: string,
    kind: RequestKind,
    key: string,
    frames: OutFrame[],
    timeoutMs: number,
    retry: number | null,
    failover: Failover,
  ): Promise<unknown> {
    const nowMs = this.clock.nowMs();
    const out = new Outbound(frames);
    const promise = new Promise<unknown>((resolve) => {
      out.resolve = resolve; // out.reject resolves with a rejected promise (outbound.ts)
    });
    this.delivery.start(id, kind, key, nowMs + timeoutMs, retry, out, nowMs, failover);
    return promise;
  }

  /** Rejects every pending request and closes all sockets. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.delivery.close();
    this.hostSync.close();
    this.pool.close();
  }

  private onFrames(frames: Buffer[], peer: string): void {
    const maxBytes = this.options.maxPayloadBytes;
    if (isBatch(frames, 0)) {
      // Replies and ACKs that queued up at the server for this client (core/batch-frames.ts),
      // each decoded in place from the batch's records.
      const refused = readBatch(frames, 0, (records, at, idEnd, end) => {
        if (isAckRecord(records, at)) this.onAck(decodeBatchedAck(records, at, idEnd, end), peer);
        else this.onReply(decodeBatchedReply(records, at, idEnd, end, maxBytes), peer);
      });
      if (refused !== undefined) this.malformed(peer, refused.kind, refused.reason);
      return;
    }
    if (isAckFrames(frames)) this.onAck(decodeAck(frames), peer);
    else this.onReply(decodeReply(frames, maxBytes), peer);
  }

  private onAck(a: Decoded<DecodedAck>, peer: string): void {
    if (a.ok) this.delivery.ack(a.value.messageId, peer);
    else this.malformed(peer, a.kind, a.reason);
  }

  private onReply(r: Decoded<DecodedReply>, peer: string): void {
    if (!r.ok) {
      // A reply over this client's limit is not read, but its call is failed at once.
      const big = r.oversized;
      if (big !== undefined && this.delivery.isPendingCall(big.messageId, peer))
        this.delivery.reply(
          big.messageId,
          false,
          new PayloadTooLarge("reply", big.bytes, this.options.maxPayloadBytes),
          peer,
        );
      else this.malformed(peer, r.kind, r.reason);
      return;
    }
    // A reply settles a call only when it comes from a host the call was sent to (delivery-core.ts, pendingCall).
    const { messageId, failure } = r.value;
    if (failure === null) this.delivery.reply(messageId, true, r.value.body, peer);
    else
      this.delivery.reply(
        messageId,
        false,
        // A stale failure (no such pending call) is only counted: it is not rebuilt.
        this.delivery.isPendingCall(messageId, peer)
          ? deserializeRemoteError(failure, this.options.remoteErrors)
          : undefined,
        peer,
      );
  }

  private malformed(peer: string, kind: MalformedKind, reason: string): void {
    this.stats.malformedReplies++;
    this.stats.malformedRepliesByKind[kind]++;
    this.observer?.report({ type: "frame-dropped", side: "client", reason: "malformed", peer, detail: reason });
  }
}
