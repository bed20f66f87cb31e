/**
 * Host health: a circuit breaker per host, for the delivery core's picks (spec/delivery.md,
 * "Host health"). Pure: every time comes from the caller.
 *
 *   closed --trip--> open             a hard failure (connection dropped or heartbeats missed,
 *                                     no ACK after the resends, the matchmaker dropped it), or
 *                                     `failureThreshold` soft failures (failed sends, ACK
 *                                     timeouts, calls timed out on it) within `windowMs` with
 *                                     no success between them; failed sends that were in
 *                                     flight together count once (see `sendSeq`)
 *   any --ok--> closed                a sign of life: an ACK, a reply, an accepted send (acks off)
 *   open --coolDown--> half-open      `coolDownMs` passed (doubling after each failed probe,
 *                                     up to `maxCoolDownMs`), or its connection came back
 *   half-open --probe--> probing      one request is let through
 *   probing --failed--> open          any failure, or the probe ended without an outcome
 *   half-open | probing --trip--> open
 *
 * A closed host with no failure counted has no record: the common pick reads one map size.
 * Picks avoid open and probing hosts; a half-open host takes one request, the probe.
 */
export type HealthState = "closed" | "open" | "half-open" | "probing";
export type HealthEvent = "trip" | "coolDown" | "probe" | "ok" | "failed";

export const HEALTH_TRANSITIONS: Readonly<Record<HealthState, Readonly<Partial<Record<HealthEvent, HealthState>>>>> = {
  closed: { trip: "open", ok: "closed", failed: "closed" },
  open: { coolDown: "half-open", trip: "open", ok: "closed" },
  "half-open": { probe: "probing", trip: "open", ok: "closed" },
  probing: { ok: "closed", failed: "open", trip: "open" },
};

export interface BreakerOptions {
  /** Soft failures in a row (within `windowMs`) that open a host; 0: only hard failures do. */
  failureThreshold: number;
  /** The span the soft failures must fall in. */
  windowMs: number;
  /** How long an open host gets no traffic before one probe; doubled after each failed probe. */
  coolDownMs: number;
  /** The longest cool-down. */
  maxCoolDownMs: number;
}

class Health {
  state: HealthState = "closed";
  /** Soft failures in a row, and when the first of them was. */
  failures = 0;
  firstFailureAtMs = 0;
  /** HostHealth.sendSeq right after this host's latest counted soft failure or opening. */
  countedSeq = 0;
  /** Open: when it may be probed. */
  untilMs = 0;
  coolDownMs: number;
  /** Probing: the probe's id and whether it is still out (the core tells). */
  probeId = "";
  /** The error of the host's last failed send, named by a request refused while it is open. */
  lastCause: unknown = undefined;

  constructor(coolDownMs: number) {
    this.coolDownMs = coolDownMs;
  }
}

export class HostHealth {
  private readonly hosts = new Map<string, Health>();
  /**
   * Counts the soft failures counted so far, of every host. A send records it when it
   * leaves (`DeliveryRequest.sentSeq`); its failure counts only when no failure of its host
   * was counted since. Sends that were in flight together fail together when one stall
   * hits the host's socket (EAGAIN for all of them at once): that is one failure, not
   * `failureThreshold` in a row, and it must not open the host for every caller at once.
   */
  private seq = 0;

  /** `onChange(host, open)`: a breaker opened from closed, or closed from any other state (spec/observability.md). */
  constructor(
    readonly options: BreakerOptions,
    private readonly onChange?: (host: string, open: boolean) => void,
  ) {}

  /** A hard failure: `host` is believed dead at `nowMs`. */
  trip(host: string, nowMs: number): void {
    const h = this.entry(host);
    if (h.state === "probing") h.coolDownMs = Math.min(h.coolDownMs * 2, this.options.maxCoolDownMs);
    this.open(h, nowMs, host);
  }

  /** The sequence number a send leaving now records (see `seq`). */
  get sendSeq(): number {
    return this.seq;
  }

  /**
   * A soft failure of `host` (failed send, ACK timeout, timed-out call) at `nowMs`; `cause`:
   * a failed send's error; `sentSeq`: a failed send's `sendSeq` when it left. A failed send
   * that left before the host's latest counted failure or opening is not counted again
   * (nor does it fail a probe: only a send that left after the opening can).
   */
  failed(host: string, nowMs: number, cause?: unknown, sentSeq?: number): void {
    const o = this.options;
    const h = this.entry(host);
    if (cause !== undefined) h.lastCause = cause;
    if (sentSeq !== undefined && sentSeq < h.countedSeq) return; // in flight with a counted failure, or left before the host opened
    if (h.state === "probing") {
      h.coolDownMs = Math.min(h.coolDownMs * 2, o.maxCoolDownMs);
      this.open(h, nowMs, host);
      return;
    }
    if (h.state !== "closed" || o.failureThreshold === 0) return;
    if (h.failures === 0 || nowMs - h.firstFailureAtMs > o.windowMs) {
      h.failures = 0;
      h.firstFailureAtMs = nowMs;
    }
    h.failures++;
    h.countedSeq = ++this.seq;
    if (h.failures >= o.failureThreshold) this.open(h, nowMs, host);
  }

  /** The last failed send's error among `hosts` (those with a record), if any. */
  lastCause(hosts: readonly string[]): unknown {
    for (const host of hosts) {
      const cause = this.hosts.get(host)?.lastCause;
      if (cause !== undefined) return cause;
    }
    return undefined;
  }

  /** `host` answered (ACK, reply, or an accepted send with acks off): closed, forgotten. */
  ok(host: string): void {
    if (this.hosts.size === 0) return;
    const h = this.hosts.get(host);
    if (h === undefined) return;
    this.hosts.delete(host);
    if (h.state !== "closed") this.onChange?.(host, false);
  }

  /** `host`'s connection completed a handshake again: an open host may be probed at once. */
  up(host: string, nowMs: number): void {
    const h = this.hosts.get(host);
    if (h?.state === "open") h.untilMs = nowMs;
  }

  /** Whether picks at `nowMs` must filter (some host has a record); else every host may be picked. */
  filtering(): boolean {
    return this.hosts.size > 0;
  }

  /**
   * Whether `host` may be picked at `nowMs`: closed, or open past its cool-down (it turns
   * half-open). `probeOut(id, host)`: whether the probe of that id still waits on the
   * host; a probe that ended without an outcome counts as failed.
   */
  allows(host: string, nowMs: number, probeOut: (id: string, host: string) => boolean): boolean {
    const h = this.hosts.get(host);
    if (h === undefined || h.state === "closed" || h.state === "half-open") return true;
    if (h.state === "probing") {
      if (probeOut(h.probeId, host)) return false;
      this.failed(host, nowMs);
    }
    if (h.untilMs > nowMs) return false;
    h.state = move(h.state, "coolDown");
    return true;
  }

  /** Request `id` was sent to `host`: when the host is half-open, it is the probe (true). */
  picked(host: string, id: string): boolean {
    const h = this.hosts.get(host);
    if (h?.state !== "half-open") return false;
    h.state = move(h.state, "probe");
    h.probeId = id;
    return true;
  }

  /**
   * Request `id`, the probe of `host`, left it without an outcome at `nowMs` (settled
   * otherwise, or sent elsewhere): a failed probe, reopened from now. Nothing when the
   * probe already had its outcome.
   */
  probeLeft(host: string, id: string, nowMs: number): void {
    const h = this.hosts.get(host);
    if (h?.state === "probing" && h.probeId === id) this.failed(host, nowMs);
  }

  /** The earliest end of a cool-down among `hosts` (Infinity when none is open). */
  reopensAtMs(hosts: readonly string[]): number {
    let t = Infinity;
    for (const host of hosts) {
      const h = this.hosts.get(host);
      if (h?.state === "open" && h.untilMs < t) t = h.untilMs;
    }
    return t;
  }

  /** The state of `host` (tests, diagnostics). */
  stateOf(host: string): HealthState {
    return this.hosts.get(host)?.state ?? "closed";
  }

  /** Hosts not closed (tests, diagnostics). */
  get unhealthy(): readonly string[] {
    return [...this.hosts].filter(([, h]) => h.state !== "closed").map(([host]) => host);
  }

  private open(h: Health, nowMs: number, host: string): void {
    const wasClosed = h.state === "closed";
    h.state = move(h.state, "trip");
    if (wasClosed) this.onChange?.(host, true);
    h.failures = 0;
    h.countedSeq = ++this.seq; // a send that left before this opening fails no probe
    h.untilMs = nowMs + h.coolDownMs;
  }

  private entry(host: string): Health {
    let h = this.hosts.get(host);
    if (h === undefined) {
      h = new Health(this.options.coolDownMs);
      this.hosts.set(host, h);
    }
    return h;
  }
}

function move(state: HealthState, event: HealthEvent): HealthState {
  const to = HEALTH_TRANSITIONS[state][event];
  if (to === undefined) throw new Error(`host health: event ${event} is not allowed in state ${state}`);
  return to;
}
