/**
 * The ZeroMQ address in a server's matchmaker entry (core/host-entry.ts), for tests that
 * connect a raw zeromq.js socket to a server: the entry may carry `#curve=` and `#wire=`
 * attributes after the address, which libzmq would refuse.
 */
import { parseHostEntry } from "../../src/internal.js";

export function addressOf(entry: string): string {
  return parseHostEntry(entry).address;
}
