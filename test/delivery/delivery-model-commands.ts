/**
 * The fast-check commands of the delivery core's model-based test
 * (delivery-core.model.test.ts) that make requests, answer lookups, change a key's hosts,
 * report waits for sockets and replies, let time pass and close; the reports of what
 * became of a send are in delivery-model-reports.ts. Each tells the core one input, as
 * the shell would, and checks what it can predict besides the model's own rules
 * (delivery-model.ts).
 */
import assert from "node:assert/strict";
import type fc from "fast-check";
import { MatchmakerUnavailable, TransportClosed, type DeliveryCore, type RequestKind } from "../../src/internal.js";
import type { Failover } from "../../src/core/delivery-request.js";
import type { DeliveryModel } from "./delivery-model.js";
import { newRequest } from "./delivery-model-request.js";
import { outstanding } from "./delivery-model-reports.js";

export type Cmd = fc.Command<DeliveryModel, DeliveryCore<null>>;
export const KEYS = ["k0", "k1", "k2"];
export const HOSTS = ["h0", "h1", "h2", "h3"];

export function pick<T>(items: readonly T[], k: number): T | undefined {
  return items.length === 0 ? undefined : items[k % items.length];
}

export class Send implements Cmd {
  constructor(
    readonly kind: RequestKind,
    readonly key: string,
    readonly timeoutMs: number,
    readonly retry: number | null,
    readonly atHand: boolean,
    readonly failover: Failover,
  ) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const id = `r${m.nextId++}`;
    const reg = m.registry.get(this.key) ?? [];
    const hosts = this.atHand && reg.length > 0 ? reg : undefined;
    const deadlineMs = m.nowMs + this.timeoutMs;
    const r = m.closed ? undefined : newRequest(id, this.kind, this.key, deadlineMs, this.retry, this.failover);
    if (r !== undefined) m.requests.set(id, r);
    if (r && hosts && this.timeoutMs > 0) m.offer(r, hosts);
    m.input = { type: "send" };
    const handle = core.send(id, this.kind, this.key, deadlineMs, this.retry, null, m.nowMs, hosts, this.failover);
    m.rec.handles.set(id, handle);
    const fx = m.apply();
    const sends = fx.filter((e) => e.type === "send").map((e) => (e as { host: string }).host);
    if (m.closed) {
      assert.deepEqual(
        fx.map((e) => e.type),
        ["release", "settle"],
        "a request after close is refused at once",
      );
      assert.ok(fx[1]?.type === "settle" && fx[1].value instanceof TransportClosed);
    } else if (this.timeoutMs === 0) assert.ok(r!.settled && sends.length === 0, "an expired request is sent");
    else if (hosts && this.kind === "fanout")
      assert.deepEqual(sends, [...hosts], "a fanout sends to every host at once");
    else if (hosts)
      assert.ok(
        sends.length === 1 || (sends.length === 0 && r!.settled),
        "a request with hosts at hand is sent at once, or refused at once",
      );
    else assert.equal(sends.length, 0);
    m.check();
  }
  toString = () =>
    `send(${this.kind}, ${this.key}, ${this.timeoutMs}, retry ${this.retry}${this.atHand ? ", at hand" : ""}, ${this.failover})`;
}

export class Answer implements Cmd {
  constructor(readonly key: string) {}
  check = (m: Readonly<DeliveryModel>) => m.lookups.has(this.key);
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    m.lookups.delete(this.key);
    const hosts = m.registry.get(this.key) ?? [];
    const waiting = m.pending().filter((r) => r.key === this.key && m.needsHosts(r));
    if (hosts.length > 0) for (const r of waiting) m.offer(r, hosts);
    else m.emptyAtMs.set(this.key, m.nowMs);
    m.input = { type: "hostsKnown" };
    core.hostsKnown(this.key, hosts, m.nowMs);
    const fx = m.apply();
    const sent = new Set(fx.filter((e) => e.type === "send").map((e) => (e as { id: string }).id));
    if (hosts.length > 0)
      for (const r of waiting)
        assert.ok(sent.has(r.id) || r.settled, `${r.id} still waits after its key's hosts were found`);
    else assert.equal(sent.size, 0);
    m.check();
  }
  toString = () => `answer(${this.key})`;
}

export class FailLookup implements Cmd {
  constructor(readonly key: string) {}
  check = (m: Readonly<DeliveryModel>) => m.lookups.has(this.key);
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    m.lookups.delete(this.key);
    const cause = new MatchmakerUnavailable("down");
    for (const r of m.pending()) if (r.key === this.key && m.needsHosts(r)) r.lastCause = cause;
    m.emptyAtMs.set(this.key, m.nowMs);
    m.input = { type: "other" };
    core.lookupFailed(this.key, cause, m.nowMs);
    m.apply();
    m.check();
  }
  toString = () => `failLookup(${this.key})`;
}

export class SetHosts implements Cmd {
  constructor(
    readonly key: string,
    readonly hosts: readonly string[],
    readonly notify: boolean,
  ) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    m.registry.set(this.key, Object.freeze([...this.hosts]));
    if (!this.notify) return;
    m.input = { type: "other" };
    core.keyChanged(this.key, m.nowMs);
    m.apply();
    m.check();
  }
  toString = () => `setHosts(${this.key}, [${this.hosts.join(",")}]${this.notify ? ", notify" : ""})`;
}

export class SocketWait implements Cmd {
  constructor(
    readonly k: number,
    readonly waiting: boolean,
  ) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const s = pick(outstanding(m), this.k);
    if (s === undefined) return;
    const r = m.requests.get(s.id)!;
    if (!r.settled) r.waitingForSocket = this.waiting ? s.host : undefined;
    m.input = { type: "other" };
    core.socketWait(m.handle(s.id), this.waiting ? s.host : undefined, m.nowMs);
    assert.equal(m.apply().length, 0);
    m.check();
  }
  toString = () => `socketWait(#${this.k}, ${this.waiting})`;
}

export class Reply implements Cmd {
  constructor(
    readonly k: number,
    readonly ok: boolean,
  ) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const ids = [...m.requests.keys(), "unknown"];
    const id = pick(ids, this.k)!;
    const r = m.requests.get(id);
    const settles = r !== undefined && !r.settled && r.kind === "call";
    const value = this.ok ? { body: id } : new Error(`remote failure of ${id}`);
    if (settles) {
      r.reply = { ok: this.ok, value };
      if (r.host !== undefined) m.health.alive(m, r.host); // a reply is its host's sign of life
    }
    const stale = core.stats.staleReplies;
    m.input = { type: "reply" };
    core.replyReceived(id, this.ok, value, m.nowMs);
    const fx = m.apply();
    if (settles) assert.ok(r.settled && r.outcome?.value === value, "a reply did not settle its pending call");
    else {
      assert.equal(fx.length, 0, "a stale reply had effects");
      assert.equal(core.stats.staleReplies, stale + 1, "a stale reply was not counted");
    }
    m.check();
  }
  toString = () => `reply(#${this.k}, ${this.ok ? "ok" : "failure"})`;
}

/** Time passes; the shell's timer fires at each wake-up the core asks for, on time. */
export class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    advanceTo(m, core, m.nowMs + this.ms);
  }
  toString = () => `advance(${this.ms})`;
}

export function advanceTo(m: DeliveryModel, core: DeliveryCore<null>, targetMs: number): void {
  for (let next = core.nextWakeMs(); next !== undefined && next <= targetMs; next = core.nextWakeMs()) {
    m.nowMs = next;
    m.input = { type: "timer" };
    core.timerFired(m.nowMs);
    m.apply();
    m.check();
  }
  m.nowMs = targetMs;
  m.input = { type: "other" };
  m.check();
}

export class Close implements Cmd {
  check = (m: Readonly<DeliveryModel>) => !m.closed;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const pending = m.pending();
    m.closed = true;
    m.input = { type: "other" };
    core.close();
    m.apply();
    for (const r of pending) assert.ok(r.settled && r.outcome?.value instanceof TransportClosed);
    assert.equal(core.nextWakeMs(), undefined, "a closed core asks for a wake-up");
    m.check();
  }
  toString = () => "close()";
}
