/**
 * A Transport for RpcClient unit tests: a real Transport by prototype (RpcClient refuses
 * anything else) whose engine only records what it is asked to send and answers `reply`.
 * It fills the private field that transportInternals() reads, with the clock given.
 */
import { Transport } from "../../src/index.js";
import type { SendRequest } from "../../src/internal.js";
import { ManualClock } from "./manual-clock.js";
import { Observer } from "../../src/observability/observer.js";

export function stubTransport(
  reply: unknown = "r",
  clock = new ManualClock(),
  options: { acks?: boolean; routing?: "direct" | "proxy" } = {},
): { transport: Transport; sent: SendRequest[] } {
  const sent: SendRequest[] = [];
  const t = {
    options: { rpcResponseTimeoutMs: 60_000, acks: false, routing: "direct", ...options },
    internals: {
      deps: { clock },
      observer: new Observer({ clock }),
      engine: {
        send: (r: SendRequest) => {
          sent.push(r);
          return Promise.resolve(reply);
        },
      },
    },
  };
  return { transport: Object.assign(Object.create(Transport.prototype), t) as Transport, sent };
}
