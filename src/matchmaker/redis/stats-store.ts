/**
 * Published server stats in Redis (spec/observability.md, "Published server stats"): one
 * string per server, `<keyPrefix>stats:<server key>`, holding JSON and expiring after its
 * TTL, written by the server every DriverOptions.statsPublishIntervalMs and read by
 * `npm run top`. Plain commands on the matchmaker's command connection.
 */
import type { Redis } from "ioredis";

export interface PublishedStatsEntry {
  /** The server key the stats were published under. */
  name: string;
  json: string;
  /** Time left on the entry, in ms (-1: no TTL). */
  remainingMs: number;
}

export class StatsStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(name: string): string {
    return `${this.prefix}stats:${name}`;
  }

  async publish(name: string, json: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(name), json, "PX", Math.max(1, Math.round(ttlMs)));
  }

  async remove(name: string): Promise<void> {
    await this.redis.del(this.key(name));
  }

  /** Every published entry (SCAN, then one MGET and PTTLs in a pipeline). */
  async readAll(): Promise<PublishedStatsEntry[]> {
    const keys: string[] = [];
    let cursor = "0";
    const pattern = `${this.prefix.replace(/[*?[\]\\]/g, "\\$&")}stats:*`;
    do {
      const [next, batch] = await this.redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
    if (keys.length === 0) return [];
    keys.sort();
    const values = await this.redis.mget(...keys);
    const ttls = await Promise.all(keys.map((k) => this.redis.pttl(k)));
    const out: PublishedStatsEntry[] = [];
    const skip = this.key("").length;
    keys.forEach((k, i) => {
      const json = values[i];
      if (typeof json === "string") out.push({ name: k.slice(skip), json, remainingMs: ttls[i] ?? -1 });
    });
    return out;
  }
}
