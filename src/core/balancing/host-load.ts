/**
 * The load tracker (spec/balancing.md, "Load tracker"): per host, this client's calls and
 * casts in flight there and an EWMA of its reply times. The strategies that read it
 * ("least-in-flight", "latency") share one per delivery core; with the others the core
 * has none and pays nothing for it.
 *
 * In flight: a call or cast counts on one host at most. It starts counting when the core
 * sends it there (`sent`, right after the pick) and stops when it settles (`settled`),
 * when a send of it fails (`left`: it waits for hosts, pauses or stops, on no host), or
 * when it waits for hosts again after its host was believed dead (`left`). Resends to the
 * same host after an ACK timeout keep it counted once. Fanout copies are not counted: a
 * fanout loads every host of its key alike.
 *
 * Reply time: a call's reply time on its host runs from the first of its sends to that
 * host that the host's connection accepted (`accepted`) to its reply (`replied`), on the
 * core's `nowMs`. A call that reaches its deadline while it waits for its reply
 * (`awaiting-reply`) counts its wait until the deadline as a sample (a lower bound of its
 * reply time), so a host that takes calls and never answers looks slow, not unknown.
 * Casts and fanouts give no samples.
 *
 * EWMA: the first sample is the average; each later one moves it by `EWMA_WEIGHT` of the
 * difference. A host with no sample has no average (`ewmaMs` NaN): the latency strategy
 * takes it as 0, faster than any host measured, so a new host is tried at once.
 */

/** The weight of each new reply time in a host's EWMA: a step change shows by half after 3 replies, by 90 % after 10. */
export const EWMA_WEIGHT = 0.2;

/** One host's load. */
export class HostLoadEntry {
  /** This client's calls and casts in flight on the host. */
  inFlight = 0;
  /** EWMA of the host's reply times in ms; NaN before its first sample. */
  ewmaMs = Number.NaN;
  /** Reply times taken into `ewmaMs` (diagnostics). */
  samples = 0;

  constructor(readonly host: string) {}
}

/** The fields of a request the tracker keeps on it (DeliveryRequest has them), so settling costs no lookup. */
export interface LoadTracked {
  readonly deadlineMs: number;
  /** The entry of the host the request counts on, if any. */
  loadOn: HostLoadEntry | undefined;
  /** When its host's connection first accepted a send of it (NaN: not yet). */
  acceptedAtMs: number;
}

export class HostLoad {
  private readonly hosts = new Map<string, HostLoadEntry>();

  /** The entry of `host`, if the tracker has seen it. */
  get(host: string): HostLoadEntry | undefined {
    return this.hosts.get(host);
  }

  /** Calls and casts in flight on `host` (0 for a host never sent to). */
  inFlight(host: string): number {
    return this.hosts.get(host)?.inFlight ?? 0;
  }

  /** The EWMA of `host`'s reply times in ms; NaN when it has no sample. */
  ewmaMs(host: string): number {
    return this.hosts.get(host)?.ewmaMs ?? Number.NaN;
  }

  /** Every host seen, in the order first seen (tests, diagnostics). */
  entries(): IterableIterator<HostLoadEntry> {
    return this.hosts.values();
  }

  /** `r` is sent to `host` (a new pick): it counts there, and on no other host. */
  sent(r: LoadTracked, host: string): void {
    const was = r.loadOn;
    if (was !== undefined) was.inFlight--;
    let e = this.hosts.get(host);
    if (e === undefined) {
      e = new HostLoadEntry(host);
      this.hosts.set(host, e);
    }
    e.inFlight++;
    r.loadOn = e;
    r.acceptedAtMs = Number.NaN;
  }

  /** A send of `r` to its host was accepted at `nowMs`: the first one starts its reply time. */
  accepted(r: LoadTracked, nowMs: number): void {
    if (r.loadOn !== undefined && Number.isNaN(r.acceptedAtMs)) r.acceptedAtMs = nowMs;
  }

  /** `r`'s reply came at `nowMs`: a sample for its host (when a send of it was accepted there). */
  replied(r: LoadTracked, nowMs: number): void {
    const e = r.loadOn;
    if (e !== undefined && !Number.isNaN(r.acceptedAtMs)) this.sample(e, nowMs - r.acceptedAtMs);
  }

  /** `r` left its host without settling (a failed send, a move): it no longer counts there. */
  left(r: LoadTracked): void {
    const e = r.loadOn;
    if (e === undefined) return;
    e.inFlight--;
    r.loadOn = undefined;
  }

  /** `r` settles; `expiredAwaitingReply`: it is a call whose deadline came while it waited for its reply (a sample). */
  settled(r: LoadTracked, expiredAwaitingReply: boolean): void {
    const e = r.loadOn;
    if (e === undefined) return;
    if (expiredAwaitingReply && !Number.isNaN(r.acceptedAtMs)) this.sample(e, r.deadlineMs - r.acceptedAtMs);
    e.inFlight--;
    r.loadOn = undefined;
  }

  /** Takes one reply time (ms, clamped at 0) into `e`'s EWMA. */
  private sample(e: HostLoadEntry, ms: number): void {
    const x = Math.max(ms, 0);
    e.ewmaMs = e.samples === 0 ? x : e.ewmaMs + EWMA_WEIGHT * (x - e.ewmaMs);
    e.samples++;
  }
}
