/**
 * Goal: the in-process matchmaker (the zmq:// default) meets the matchmaker port contract.
 * Method: test/contract/matchmaker.contract.ts with one instance seen as both views and a
 * manual clock; "unreachable" is its fault-injection switch.
 */
import { InProcessMatchmaker } from "../../src/internal.js";
import { ManualClock } from "../support/manual-clock.js";
import { matchmakerContract } from "./matchmaker.contract.js";

matchmakerContract("in-process", {
  async setup() {
    const clock = new ManualClock();
    const mm = new InProcessMatchmaker(clock);
    return { a: mm, b: mm, clock, teardown: () => mm.close() };
  },
  async unavailable() {
    const mm = new InProcessMatchmaker(new ManualClock());
    mm.setAvailable(false);
    return { mm, teardown: () => mm.close() };
  },
});
