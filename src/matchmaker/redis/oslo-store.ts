/**
 * The shell side of keyScheme "oslo" (spec/matchmaker-redis.md, "Key scheme oslo"): which
 * matchmaker keys live in oslo's scheme, and their register, unregister and lookup through
 * the oslo scripts (oslo-key-scheme.ts). RedisMatchmaker asks `mode(key)` and calls these
 * for "oslo" and "both", its native scripts for "native" and "both".
 *
 * - RPC keys: oslo's scheme only.
 * - A notification pool listing ("notify:<exchange>/<topic>.<priority>"): both. The native
 *   entries keep this driver's pools; each member is also written to oslo's
 *   ROUTER/<topic>.<priority>, which oslo's notifiers send every notification to. A lookup
 *   adds every live oslo member that is none of the native entries' addresses as a pool of
 *   its own (pool part ":oslo-<member>"): oslo's listeners each get every notification.
 * - The pool key of such a pool: oslo's scheme (the member, while it is live).
 * - Every other key: native.
 */
import { parseHostEntry, withoutWire } from "../../core/host-entry.js";
import {
  fromOsloMember,
  osloMember,
  osloNotifyKey,
  OsloRegistrations,
  osloPoolPart,
  osloSetKey,
  osloTtlSeconds,
  type OsloCommands,
} from "./oslo-key-scheme.js";
import { parseLookupReply, type LookupReply, type Member } from "./scripts.js";

export type SchemeMode = "native" | "oslo" | "both";
type Run = <T>(what: string, op: () => Promise<T>) => Promise<T>;

export class OsloStore {
  private readonly registrations = new OsloRegistrations();

  constructor(
    private readonly commands: OsloCommands,
    private readonly run: Run,
    private readonly unavailable: (what: string, cause?: unknown) => Error,
  ) {}

  mode(key: string): SchemeMode {
    if (osloSetKey(key) !== undefined) return "oslo";
    const n = osloNotifyKey(key);
    if (!n) return "native";
    if (n.poolPart === undefined) return "both";
    return n.poolPart.startsWith(":oslo-") ? "oslo" : "native";
  }

  /** Writes oslo's part of a registration; 1 when the member was not live before. */
  async register(key: string, host: string, ttlMs: number | null): Promise<number> {
    const { setKey, member } = this.place(key, host);
    this.registrations.add(member, setKey);
    const ttl = String(osloTtlSeconds(ttlMs));
    return this.run("register", () => this.commands.osloRegister(setKey, member, ttl));
  }

  async unregister(key: string, host: string): Promise<void> {
    const { setKey, member } = this.place(key, host);
    const drop = this.registrations.remove(member, setKey) ? "1" : "0";
    await this.run("unregister", () => this.commands.osloUnregister(setKey, member, drop));
  }

  /** The lookup of a key whose mode is "oslo" or "both"; `native` reads the native part. */
  async lookup(key: string, native: () => Promise<LookupReply>): Promise<LookupReply> {
    const setKey = osloSetKey(key);
    if (setKey !== undefined) return this.hosts(await this.read(setKey), (m) => fromOsloMember(m));
    const n = osloNotifyKey(key);
    if (!n) return native();
    const oslo = await this.read(n.setKey);
    if (n.poolPart !== undefined) {
      const wanted = n.poolPart;
      return this.hosts(oslo, (m) => (osloPoolPart(m) === wanted ? fromOsloMember(m) : undefined));
    }
    const mine = await native();
    // This driver's listeners by address alone: their native entries carry attributes
    // (#wire=2) that oslo's bare members lack, and a listener must not also count as Python's.
    const known = new Set(mine.members.map((m) => parseHostEntry(m.member.slice(m.member.indexOf("@") + 1)).address));
    const python = this.hosts(oslo, (m) => {
      const address = fromOsloMember(m);
      return address === undefined || known.has(address) ? undefined : `${osloPoolPart(m)}@${address}`;
    });
    // Expiries of the oslo reply in the native reply's time base (one Redis server, same clock).
    const shift = mine.nowMs - python.nowMs;
    return {
      nowMs: mine.nowMs,
      members: [...mine.members, ...python.members.map((m) => ({ ...m, expiresAtMs: m.expiresAtMs + shift }))],
    };
  }

  private place(key: string, host: string): { setKey: string; member: string } {
    const setKey = osloSetKey(key) ?? osloNotifyKey(key)?.setKey;
    // A listing entry is "<pool part>@<address>"; a pool part never contains "@".
    const address = osloSetKey(key) === undefined ? host.slice(host.indexOf("@") + 1) : host;
    const member = osloMember(withoutWire(address));
    if (setKey === undefined || member === undefined)
      throw this.unavailable(`: oslo key scheme cannot store ${host} under ${key}`);
    return { setKey, member };
  }

  private async read(setKey: string): Promise<LookupReply> {
    const raw = await this.run("lookup", () => this.commands.osloLookup(setKey));
    try {
      return parseLookupReply(raw);
    } catch (err) {
      throw this.unavailable(": unexpected lookup reply", err);
    }
  }

  private hosts(reply: LookupReply, map: (member: string) => string | undefined): LookupReply {
    const members: Member[] = [];
    for (const m of reply.members) {
      const host = map(m.member);
      if (host !== undefined) members.push({ member: host, expiresAtMs: m.expiresAtMs });
    }
    return { nowMs: reply.nowMs, members };
  }
}
