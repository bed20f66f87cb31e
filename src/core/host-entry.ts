/**
 * A server's matchmaker entry (decision 0021): its address, and with CURVE its public key.
 *
 *   plaintext server:  tcp://10.0.0.5:41234
 *   CURVE server:      tcp://10.0.0.5:41234#curve=<64 lowercase hex digits of the public key>
 *
 * The key is written in hex, not in Z85: Z85's alphabet has `#`, `/`, `?`, `:` and `@`,
 * which would make the entry ambiguous to split (and `@` separates a notification pool's
 * listing entry, core/target.ts). An address never contains `#`, hex never contains `#`,
 * so the last `#curve=` splits an entry one way only. The entry is the host's identity
 * everywhere in the client (pool, balancing, breaker): a server that restarts with a new
 * key is a new host, and its old entry goes away like any other.
 */
import { curveKeyHex, curveKeyOfHex } from "./curve-key.js";

const SUFFIX = "#curve=";
const ENTRY = /^(.+)#curve=([0-9a-f]{64})$/;

export interface HostEntry {
  /** The ZeroMQ endpoint to connect to. */
  address: string;
  /** The server's public CURVE key (Z85) when it published one. */
  curveServerKey: string | undefined;
}

/** The entry a server registers: its address, with its public key (Z85) when it uses CURVE. */
export function formatHostEntry(address: string, curvePublicKey: string | undefined): string {
  return curvePublicKey === undefined ? address : `${address}${SUFFIX}${curveKeyHex(curvePublicKey)}`;
}

/**
 * An entry split into address and key. An entry without a well-formed `#curve=` suffix is
 * all address (a malformed one then fails at connect, like any bad address).
 */
export function parseHostEntry(entry: string): HostEntry {
  const m = ENTRY.exec(entry);
  return m ? { address: m[1]!, curveServerKey: curveKeyOfHex(m[2]!) } : { address: entry, curveServerKey: undefined };
}

/** Whether `entry` publishes a CURVE key. */
export function hasCurveKey(entry: string): boolean {
  return ENTRY.test(entry);
}
