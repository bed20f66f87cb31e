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
  waiter: { has(id: string): boolean; get(id: string): unknown };
  /** ReplyWaiter keeps entries in a Map in insertion order. */
}

export function applyPlantedBug(name: string, transport: Transport): void {
  if (name !== "stale-reply-to-oldest")
    throw new RangeError(`unknown planted bug ${JSON.stringify(name)} (known: ${PLANTED_BUGS.join(", ")})`);
  const engine = transportInternals(transport).engine as unknown as EngineInternals;
  const original = engine.onFrames.bind(engine);
  const pendingIds = (): string[] => [
    ...(engine.waiter as unknown as { pending: Map<string, unknown> }).pending.keys(),
  ];
  engine.onFrames = (frames: Buffer[]): void => {
    const r = decodeReply(frames);
    if (r.ok && !engine.waiter.has(r.value.messageId)) {
      const oldest = pendingIds().find((id) => (engine.waiter.get(id) as { kind?: string }).kind === "call");
      if (oldest !== undefined) {
        frames = [...frames];
        frames[3] = Buffer.from(oldest);
      }
    }
    original(frames);
  };
}
