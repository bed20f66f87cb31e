/**
 * Deliberately planted driver bugs, for tests and demonstrations that the checkers catch
 * real mistakes and fast-check shrinks the schedules that expose them. Applied per
 * transport instance through a wrapper (never by editing src/), only when
 * SimOptions.plantedBug names one.
 *
 * - "stale-reply-to-oldest": a reply whose call is no longer pending (it timed out) is
 *   handed to the oldest pending call of the same engine instead of being dropped as
 *   stale. A classic id-mixup bug; it stays invisible until some reply arrives after its
 *   deadline, which takes a fault (a slow or hung handler, a clogged link, a pause).
 */
import { transportInternals, type Transport } from "../src/api/transport.js";
import { decodeReply } from "../src/core/codec.js";

export const PLANTED_BUGS = ["stale-reply-to-oldest"] as const;
export type PlantedBug = (typeof PLANTED_BUGS)[number];

interface EngineInternals {
  onFrames(frames: Buffer[]): void;
  /** The delivery core keeps pending requests in the order they were made. */
  delivery: { core: { request(id: string): unknown; pending(): Iterable<{ id: string; kind: string }> } };
}

export function applyPlantedBug(name: string, transport: Transport): void {
  if (name !== "stale-reply-to-oldest")
    throw new RangeError(`unknown planted bug ${JSON.stringify(name)} (known: ${PLANTED_BUGS.join(", ")})`);
  const engine = transportInternals(transport).engine as unknown as EngineInternals;
  const core = engine.delivery.core;
  const original = engine.onFrames.bind(engine);
  engine.onFrames = (frames: Buffer[]): void => {
    const r = decodeReply(frames);
    if (r.ok && core.request(r.value.messageId) === undefined) {
      let oldest: string | undefined;
      for (const p of core.pending()) {
        if (p.kind !== "call") continue;
        oldest = p.id;
        break;
      }
      if (oldest !== undefined) {
        frames = [...frames];
        frames[3] = Buffer.from(oldest);
      }
    }
    original(frames);
  };
}
