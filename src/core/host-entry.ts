/**
 * A server's matchmaker entry (decisions 0021 and 0027): its address, then attributes.
 *
 *   plaintext server:  tcp://10.0.0.5:41234#wire=2
 *   CURVE server:      tcp://10.0.0.5:41234#curve=<64 lowercase hex digits of the public key>#wire=2
 *   oslo's Python driver, or a server of this driver before batches: tcp://10.0.0.5:41234
 *
 * `#curve=` carries the server's public CURVE key. The key is written in hex, not in Z85:
 * Z85's alphabet has `#`, `/`, `?`, `:` and `@`, which would make the entry ambiguous to
 * split (and `@` separates a notification pool's listing entry, core/target.ts).
 * `#wire=` is the highest wire version the server reads: 2 means it reads batch envelopes
 * (core/batch-frames.ts), so a client may coalesce messages to it; without it a client
 * sends one message per send, as oslo's driver reads.
 *
 * An address never contains `#`, so the first `#` ends it; attributes this version does
 * not know are ignored (room for later ones). The entry is the host's identity everywhere
 * in the client (pool, balancing, breaker): a server that restarts with a new key is a new
 * host, and its old entry goes away like any other.
 */
import { curveKeyHex, curveKeyOfHex } from "./curve-key.js";

const CURVE_VALUE = /^[0-9a-f]{64}$/;
const WIRE_VALUE = /^[1-9]\d{0,3}$/;

export interface HostEntry {
  /** The ZeroMQ endpoint to connect to. */
  address: string;
  /** The server's public CURVE key (Z85) when it published one. */
  curveServerKey: string | undefined;
  /** The highest wire version the server reads: 1 (one message per send) unless it published more. */
  wire: number;
}

/**
 * The entry a server registers: its address, with its public key (Z85) when it uses CURVE,
 * and the wire version it reads when above 1.
 */
export function formatHostEntry(address: string, curvePublicKey: string | undefined, wire = 1): string {
  const curve = curvePublicKey === undefined ? "" : `#curve=${curveKeyHex(curvePublicKey)}`;
  return `${address}${curve}${wire > 1 ? `#wire=${wire}` : ""}`;
}

/**
 * An entry split into address and attributes. An entry whose `#curve=` or `#wire=` value
 * is malformed is all address (connect then fails on it, as on any bad address).
 */
export function parseHostEntry(entry: string): HostEntry {
  const cut = entry.indexOf("#");
  const whole: HostEntry = { address: entry, curveServerKey: undefined, wire: 1 };
  if (cut < 0) return whole;
  const parsed: HostEntry = { address: entry.slice(0, cut), curveServerKey: undefined, wire: 1 };
  for (const attribute of entry.slice(cut + 1).split("#")) {
    const eq = attribute.indexOf("=");
    const name = eq < 0 ? attribute : attribute.slice(0, eq);
    const value = eq < 0 ? "" : attribute.slice(eq + 1);
    if (name === "curve") {
      if (!CURVE_VALUE.test(value)) return whole;
      parsed.curveServerKey = curveKeyOfHex(value);
    } else if (name === "wire") {
      if (!WIRE_VALUE.test(value)) return whole;
      parsed.wire = Number(value);
    }
  }
  return parsed;
}

/** Whether `entry` publishes a CURVE key. */
export function hasCurveKey(entry: string): boolean {
  return parseHostEntry(entry).curveServerKey !== undefined;
}

/** `entry` without its `#wire=` attribute: oslo's key scheme stores bare `host:port` members, and oslo's servers read no batches. */
export function withoutWire(entry: string): string {
  return entry.replace(/#wire=[^#]*/g, "");
}
