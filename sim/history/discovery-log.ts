/**
 * Ground truth of the matchmaker: for each key and address, the intervals during which the
 * entry was visible, recorded from successful register and unregister calls with the same
 * rule the registry follows (visible until `ttl` after the latest registration, or until
 * unregistered). Checkers ask whether a server was listed throughout a time span (and
 * already before it began) and whether a dead address was registered again.
 *
 * A registration has two times: when the process sent it and when the matchmaker carried
 * it out (half a round trip later). Visibility starts at the second; whether a process
 * registered after it died is a question about the first, since a request already on its
 * way still lands after its sender crashed.
 */
interface Interval {
  startUs: number;
  endUs: number;
}

export class DiscoveryLog {
  private readonly entries = new Map<string, Map<string, Interval[]>>();
  private readonly lastSentUs = new Map<string, number>();
  registrations = 0;

  /** A registration sent at `sentUs` took effect at `nowUs`. */
  registered(key: string, address: string, nowUs: number, ttlMs: number | null, sentUs = nowUs): void {
    this.registrations++;
    if (sentUs > (this.lastSentUs.get(address) ?? -Infinity)) this.lastSentUs.set(address, sentUs);
    const list = this.list(key, address);
    const end = ttlMs === null ? Infinity : nowUs + ttlMs * 1000;
    const last = list[list.length - 1];
    if (last && nowUs < last.endUs) last.endUs = end;
    else list.push({ startUs: nowUs, endUs: end });
  }

  unregistered(key: string, address: string, nowUs: number): void {
    const list = this.entries.get(key)?.get(address);
    const last = list?.[list.length - 1];
    if (last && nowUs < last.endUs) last.endUs = nowUs;
  }

  /**
   * Whether `address` was listed under `key` before `fromUs` and at every instant up to
   * `toUs`. An entry registered at `fromUs` itself does not count: events of one
   * microsecond run in some order, and the registration may have followed whatever
   * happened at `fromUs` (a lookup, say).
   */
  listedThroughout(key: string, address: string, fromUs: number, toUs: number): boolean {
    const list = this.entries.get(key)?.get(address);
    return list?.some((i) => i.startUs < fromUs && toUs < i.endUs) ?? false;
  }

  /** When the latest successful registration of `address` (under any key) was sent. */
  lastRegistrationSentUs(address: string): number | undefined {
    return this.lastSentUs.get(address);
  }

  private list(key: string, address: string): Interval[] {
    let byAddr = this.entries.get(key);
    if (!byAddr) {
      byAddr = new Map();
      this.entries.set(key, byAddr);
    }
    let list = byAddr.get(address);
    if (!list) {
      list = [];
      byAddr.set(address, list);
    }
    return list;
  }
}
