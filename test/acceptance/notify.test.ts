/**
 * Goal: oslo.messaging's functional NotifyTestCase and this driver's notification promises
 * (pools, batches, requeue, filters, no listener) on real zeromq over loopback with the
 * in-process matchmaker (zmq://). Method: the suite of test/support/notify-suite.ts,
 * listeners and notifier on two transports that share one in-process matchmaker.
 */
import { after, before, describe } from "node:test";
import { getNotificationTransport, type Transport } from "../../src/index.js";
import { InProcessMatchmaker, NodeClock } from "../../src/internal.js";
import { notifyTestCases } from "../support/notify-suite.js";

describe("notifications over zmq://", () => {
  let listening: Transport;
  let publishing: Transport;
  before(async () => {
    const matchmaker = new InProcessMatchmaker(new NodeClock());
    listening = await getNotificationTransport("zmq://", { matchmaker });
    publishing = await getNotificationTransport("zmq://", { matchmaker });
  });
  after(async () => {
    await publishing.close();
    await listening.close();
  });
  notifyTestCases("notify", () => ({ listening, publishing }));
});
