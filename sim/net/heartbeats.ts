/**
 * ZMTP heartbeats of the simulated sockets (ZMQ_HEARTBEAT_IVL / ZMQ_HEARTBEAT_TIMEOUT,
 * src/ports/socket.ts), computed instead of sent: no PING or PONG is ever an event.
 *
 * The model, per side of a connection whose socket set `heartbeatIntervalMs` I > 0 (its
 * timeout T is `heartbeatTimeoutMs`, else I, as in libzmq):
 *
 * - The side sends a PING every I from the handshake on (virtual time), whatever the
 *   traffic. After a PING, libzmq arms a timer of T unless one is armed; anything that
 *   arrives from the peer (data, PING, PONG) cancels it. So the side closes the
 *   connection at `p + T`, p being its first PING after the last thing it heard, unless
 *   something arrives before.
 * - The side *hears* the peer's heartbeats while the peer's libzmq I/O thread runs (the
 *   process is not frozen or crashed: a paused event loop still answers PINGs) and
 *   heartbeat traffic from the peer reaches it: either PONGs to its own PINGs (both
 *   directions pass) or the peer's own PINGs (the peer has heartbeats with an interval
 *   below this side's timeout; peer-to-side passes). A direction passes when the link is
 *   open (no partition, isolation or clog) and no heartbeat loss is on it; a one-way
 *   delay of E silences its direction for E from its start (what is sent behind the
 *   delayed traffic arrives after it, in order). While a side hears, nothing is computed.
 * - When a side stops hearing (a fault starts, or the peer's side closed), the last thing
 *   heard is taken to be now; each data message that arrives meanwhile counts as heard
 *   (`Flow.arrive` stamps `hbHeardUs`). One scheduler event is armed at the deadline; a
 *   side that hears again cancels it. At the deadline the side closes the connection
 *   (a FIN behind its data; what the peer sent and it had not received is lost) and
 *   reports "disconnect"; a DEALER reconnects (connecter.ts).
 * - A frozen process's own timers do not run: a deadline that falls due while it is
 *   frozen is acted on when it thaws (before its JavaScript runs again).
 * - ZMQ_HEARTBEAT_TTL (the peer's own drop when our PINGs stop) is not modelled apart:
 *   the driver gives both ends of every connection the same interval and timeout, so each
 *   side's own timer closes it within the same bound, I + T after it stopped hearing.
 *
 * Cost: nothing per message but a field store, nothing per interval; only a fault start
 * or end touching a host re-evaluates the connections of that host (all of them for a
 * partition).
 */
import type { SimEvent } from "../scheduler.js";
import type { Link } from "./flow.js";
import type { SimNetwork } from "./network.js";
import type { PipeEnd } from "./pipe-end.js";
import type { SimSocket } from "./sim-socket.js";

/** Every heartbeat deadline's event: the end is the event's data. */
const expireEvent = (ev: SimEvent): void => {
  const end = ev.arg as PipeEnd;
  end.hbReg?.expire(end);
};

function peerOf(end: PipeEnd): PipeEnd {
  const link = end.link!;
  return link.a === end ? link.b : link.a;
}

export class Heartbeats {
  /** Registered ends by host: under their socket's host and under their peer's. */
  private readonly byHost: (Set<PipeEnd> | undefined)[] = [];
  /** Registered ends now. */
  count = 0;
  /** Connections closed for missed heartbeats (one per side that timed out). */
  timeouts = 0;

  constructor(private readonly net: SimNetwork) {}

  /** A link completed its handshake: its ends whose socket has heartbeats start counting. */
  linkUp(link: Link): void {
    const a = this.register(link.a);
    const b = this.register(link.b);
    if (a) this.evaluate(link.a);
    if (b) this.evaluate(link.b);
  }

  /** `end` leaves its link (closed, reset, replaced): nothing more is computed for it. */
  detach(end: PipeEnd): void {
    end.hbReg = undefined;
    end.hbSilent = false;
    this.net.cancel(end.hbTimer);
    end.hbTimer = undefined;
    if (this.byHost[end.owner.host]?.delete(end)) this.count--;
    this.byHost[end.hbPeerHost]?.delete(end);
  }

  /** A fault started or ended, touching `hosts` (null: any): the connections concerned are looked at again. */
  changed(hosts: readonly number[] | null): void {
    if (this.count === 0) return;
    if (hosts === null) {
      for (const set of this.byHost) if (set) for (const end of set) this.evaluate(end);
      return;
    }
    for (const h of hosts) for (const end of this.byHost[h] ?? []) this.evaluate(end);
  }

  /** The deadline event of `end` (see expireEvent). */
  expire(end: PipeEnd): void {
    end.hbTimer = undefined;
    if (!end.hbSilent || end.link === undefined) return;
    const sock = end.owner as SimSocket;
    if (sock.dead || sock.proc.frozen) return; // its I/O thread is stopped: thawing looks again
    const due = this.deadlineUs(end);
    if (due > this.net.nowUs) end.hbTimer = this.net.atWith(due, expireEvent, end);
    else this.close(end);
  }

  /** `end` timed out: its side closes the connection, "disconnect". */
  private close(end: PipeEnd): void {
    const link = end.link!;
    const sock = end.owner as SimSocket;
    const peer = peerOf(end);
    this.timeouts++;
    this.net.trace.record("hbTimeout", link.id, sock.host, (peer.owner as SimSocket).host);
    sock.timedOut(end);
    // The peer's side hears nothing more on this connection (our FIN may still reach it).
    this.evaluate(peer);
  }

  private register(end: PipeEnd): boolean {
    const sock = end.owner as SimSocket;
    if (sock.hbIvlUs <= 0) return false;
    end.hbReg = this;
    end.hbUpUs = this.net.nowUs;
    end.hbHeardUs = this.net.nowUs;
    end.hbSilent = false;
    end.hbPeerHost = peerOf(end).owner.host;
    this.index(sock.host).add(end);
    this.index(end.hbPeerHost).add(end);
    this.count++;
    return true;
  }

  private index(host: number): Set<PipeEnd> {
    let set = this.byHost[host];
    if (!set) {
      set = new Set();
      this.byHost[host] = set;
    }
    return set;
  }

  /** Whether `end` hears its peer now; a side that stops hearing arms its deadline. */
  private evaluate(end: PipeEnd): void {
    if (end.hbReg === undefined || end.link === undefined) return;
    const now = this.net.nowUs;
    if (this.hears(end)) {
      if (!end.hbSilent) return;
      end.hbSilent = false;
      end.hbHeardUs = now;
      this.net.cancel(end.hbTimer);
      end.hbTimer = undefined;
      return;
    }
    if (!end.hbSilent) {
      end.hbSilent = true;
      end.hbHeardUs = Math.max(end.hbHeardUs, now);
    }
    if (end.hbTimer !== undefined) return;
    const due = this.deadlineUs(end);
    // Overdue only for a side whose process was frozen: on thawing its timers run first,
    // before any of its JavaScript, so it closes now rather than in an event of its own.
    if (due <= now && !(end.owner as SimSocket).proc.frozen) this.close(end);
    else end.hbTimer = this.net.atWith(due, expireEvent, end);
  }

  private hears(end: PipeEnd): boolean {
    const link = end.link!;
    const peer = peerOf(end);
    if (peer.link !== link) return false; // the peer's side closed
    const me = end.owner as SimSocket;
    const them = peer.owner as SimSocket;
    if (them.dead || them.proc.frozen) return false;
    if (!this.passes(them.host, me.host)) return false;
    if (this.passes(me.host, them.host)) return true; // PONGs to our PINGs
    return them.hbIvlUs > 0 && them.hbIvlUs < me.hbTimeoutUs; // its own PINGs
  }

  private passes(src: number, dst: number): boolean {
    return this.net.linkOpen(src, dst) && this.net.faults.hbPasses(src, dst);
  }

  /** First PING after the last thing heard, plus the timeout. */
  private deadlineUs(end: PipeEnd): number {
    const sock = end.owner as SimSocket;
    const ivl = sock.hbIvlUs;
    const k = Math.floor((end.hbHeardUs - end.hbUpUs) / ivl) + 1;
    return end.hbUpUs + k * ivl + sock.hbTimeoutUs;
  }
}
