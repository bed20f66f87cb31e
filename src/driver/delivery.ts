/**
 * Request delivery: gets a call, cast or fanout from this process onto a server's
 * connection (spec/client.md, "Call and cast", "Fanout"). It finds the hosts of the key
 * (HostWatcher), picks one round robin (RoutingTable), takes a lease on its pooled socket
 * (SocketPool) and sends through it, retrying other hosts after failed sends. Settling is
 * the engine's (ClientEngine): delivery reports through `succeed` and `fail`, and stops as
 * soon as the request is done (`Pending.done`), whoever settled it.
 */
import { RoutingTable } from "../core/routing-table.js";
import { MessageDeliveryFailure } from "../errors.js";
import { sleepOn, type Clock } from "../ports/clock.js";
import type { HostSync } from "../pool/host-sync.js";
import { SocketPoolError } from "../pool/pool-error.js";
import type { Lease, SocketPool } from "../pool/socket-pool.js";
import type { HostWatcher } from "./host-watcher.js";
import type { ClientStats, Pending } from "./pending-request.js";

export interface DeliveryDeps {
  clock: Clock;
  hosts: HostWatcher;
  hostSync: HostSync;
  pool: SocketPool;
  stats: ClientStats;
  hostWaitIntervalMs: number;
  /** The engine is closed: pauses end at once. */
  closed: () => boolean;
  /** Settles a delivered cast or fanout (a no-op for one already settled). */
  succeed: (p: Pending) => void;
  /** Settles a request with an error (a no-op for one already settled). */
  fail: (p: Pending, err: unknown) => void;
}

export class RequestDelivery {
  private readonly routing = new RoutingTable();

  constructor(private readonly d: DeliveryDeps) {}

  /** The hosts of `p.key`, waiting for some until its deadline; [] when none came (the hot path peeks first, without a promise). */
  private waitForHosts(p: Pending): Promise<readonly string[]> {
    return this.d.hosts.waitForHosts(
      p.key,
      p.deadlineMs,
      () => p.done,
      (cause) => (p.lastCause = cause),
    );
  }

  /**
   * Call or cast: one host at a time, round robin, until a send is accepted. Never
   * rejects: a failure settles the request. The first attempt is synchronous when the
   * hosts are at hand and a pooled socket has room (the common case): the send's promise
   * is then the only one; anything that has to wait continues in `deliverLoop`.
   */
  deliverOne(p: Pending, frames: Buffer[], retry: number | null): void {
    const a: Attempts = { failures: 0, failed: undefined };
    const hosts = this.d.hosts.peek(p.key);
    if (hosts === undefined) return void this.deliverLoop(p, frames, retry, a);
    const host = this.pickHost(p, hosts, undefined);
    const lease = this.d.pool.tryAcquire(host);
    if (lease === undefined) return void this.deliverLoop(p, frames, retry, a, { hosts, host });
    p.leases.push(lease);
    lease.send(frames, p.deadlineMs).then(
      () => this.delivered(p),
      (err: unknown) => {
        try {
          const next = this.sendFailed(p, host, lease, err, retry, a, hosts);
          if (next !== "stop") void this.deliverLoop(p, frames, retry, a, undefined, next === "pause");
        } catch (e) {
          this.d.fail(p, e);
        }
      },
    );
  }

  /** The rest of deliverOne: waits for hosts and sockets, retries failed sends (`first`: a host already picked). */
  private async deliverLoop(
    p: Pending,
    frames: Buffer[],
    retry: number | null,
    a: Attempts,
    first?: { hosts: readonly string[]; host: string },
    pauseFirst = false,
  ): Promise<void> {
    try {
      if (pauseFirst) await this.pause(p.deadlineMs);
      for (;;) {
        let hosts: readonly string[];
        let host: string;
        if (first !== undefined) {
          ({ hosts, host } = first);
          first = undefined;
        } else {
          hosts = this.d.hosts.peek(p.key) ?? (await this.waitForHosts(p));
          if (hosts.length === 0 || p.done) return; // the deadline settles it
          host = this.pickHost(p, hosts, a.failed);
        }
        let lease: Lease | undefined;
        try {
          lease = this.d.pool.tryAcquire(host);
          if (lease !== undefined) p.leases.push(lease);
          else {
            lease = await this.acquire(p, host);
            if (lease === undefined) return; // settled meanwhile
          }
          await lease.send(frames, p.deadlineMs);
        } catch (err) {
          const next = this.sendFailed(p, host, lease, err, retry, a, hosts);
          if (next === "stop") return;
          // Every known host failed once: pause before the next round, so a send that
          // fails fast (a full queue) never spins without yielding to timers.
          if (next === "pause") await this.pause(p.deadlineMs);
          continue;
        }
        return this.delivered(p);
      }
    } catch (err) {
      this.d.fail(p, err);
    }
  }

  /** The next host for `p` among `hosts` (those not failed this round, if any); the list is reported to HostSync, which skips an unchanged one. */
  private pickHost(p: Pending, hosts: readonly string[], failed: ReadonlySet<string> | undefined): string {
    p.wanted = hosts.length;
    const host = this.routing.pick(p.key, failed === undefined ? hosts : notFailed(hosts, failed));
    this.d.hostSync.observe(p.key, hosts);
    return host;
  }

  /** A send was accepted: a cast is done; a call waits for its reply (or deadline). */
  private delivered(p: Pending): void {
    if (p.kind === "cast" && !p.done) this.d.succeed(p);
  }

  /**
   * After a failed acquire or send to `host`: "stop" (the request is settled, or its
   * deadline will settle it), "retry" another host, or "pause" first (every host of the
   * list failed once this round).
   */
  private sendFailed(
    p: Pending,
    host: string,
    lease: Lease | undefined,
    err: unknown,
    retry: number | null,
    a: Attempts,
    hosts: readonly string[],
  ): "stop" | "retry" | "pause" {
    if (lease) this.dropLease(p, lease);
    p.lastCause = err;
    if (err instanceof SocketPoolError && err.reason !== "host-removed") {
      if (err.reason === "exhausted") this.d.fail(p, err);
      return "stop"; // "timeout": the deadline settles it, with this as its cause
    }
    a.failed ??= new Set();
    const failed = a.failed;
    failed.add(host);
    a.failures++;
    if (retry !== null && a.failures > retry) {
      this.d.fail(
        p,
        new MessageDeliveryFailure(`send to ${host} failed after ${a.failures} attempt(s)`, { cause: err }),
      );
      return "stop";
    }
    if (this.d.clock.nowMs() >= p.deadlineMs) return "stop"; // the deadline timer settles it
    this.d.stats.sendRetries++;
    if (!hosts.every((h) => failed.has(h))) return "retry";
    failed.clear();
    return "pause";
  }

  /** Fanout: every host of the key once, in parallel. Never rejects: a failure settles the request. */
  async deliverFanout(p: Pending, frames: Buffer[]): Promise<void> {
    try {
      const hosts = this.d.hosts.peek(p.key) ?? (await this.waitForHosts(p));
      if (hosts.length === 0 || p.done) return;
      this.d.hostSync.observe(p.key, hosts);
      p.wanted = hosts.length;
      await Promise.all(
        hosts.map(async (host) => {
          while (!p.done && this.d.clock.nowMs() < p.deadlineMs) {
            let lease: Lease | undefined;
            try {
              lease = await this.acquire(p, host);
              if (!lease) return;
              await lease.send(frames, p.deadlineMs);
              p.delivered++;
              return;
            } catch (err) {
              if (lease) this.dropLease(p, lease);
              p.lastCause = err;
              if ((err as { code?: string }).code === "ECLOSED" || err instanceof SocketPoolError) return;
              await this.pause(p.deadlineMs);
            }
          }
        }),
      );
      if (p.done) return;
      if (p.delivered === p.wanted) return this.d.succeed(p);
      // Some host was given up before the deadline (its socket closed, or no socket could be had).
      this.d.fail(
        p,
        new MessageDeliveryFailure(`fanout ${p.id} to ${p.key} reached ${p.delivered} of ${p.wanted} servers`, {
          cause: p.lastCause,
        }),
      );
    } catch (err) {
      this.d.fail(p, err);
    }
  }

  /** A lease on `host`'s socket held by `p`, waiting for one if need be; undefined (nothing held) if `p` settled meanwhile. */
  private async acquire(p: Pending, host: string): Promise<Lease | undefined> {
    p.waitingForSocket = host;
    let lease: Lease;
    try {
      lease = await this.d.pool.acquire(host, p.deadlineMs);
    } finally {
      p.waitingForSocket = undefined;
    }
    if (p.done) {
      lease.release();
      return undefined;
    }
    p.leases.push(lease);
    return lease;
  }

  private dropLease(p: Pending, lease: Lease): void {
    if (!p.done) p.leases = p.leases.filter((l) => l !== lease);
    lease.release();
  }

  /** Waits hostWaitIntervalMs (at most until the deadline) on the clock port. */
  private pause(deadlineMs: number): Promise<void> {
    return this.d.closed()
      ? Promise.resolve()
      : sleepOn(this.d.clock, Math.min(this.d.hostWaitIntervalMs, deadlineMs - this.d.clock.nowMs()));
  }
}

/** A call's or cast's failed sends so far (hosts failed this round, counted against `retry`). */
interface Attempts {
  failures: number;
  failed: Set<string> | undefined;
}

/** The hosts not in `failed`, or all of them when every one has failed. */
function notFailed(hosts: readonly string[], failed: ReadonlySet<string>): readonly string[] {
  const fresh = hosts.filter((h) => !failed.has(h));
  return fresh.length > 0 ? fresh : hosts;
}
