/**
 * Goal: a proxy-mode client's links with batches (src/driver/proxy-client-links.ts;
 * spec/proxy.md, "Batches through proxies"): a batch leaves as one ROUTE through a proxy
 * registered under proxy:frontend-batches; through any other it leaves as one ROUTE per
 * message, all on the link the first message's hop picked, and has one fate: refused
 * whole when that link's queue cannot take them all, sent once any of them left (never
 * failed after a neighbour was delivered, which would have the delivery core send the
 * delivered one again elsewhere); every message has its own hop. A NO-ROUTE naming
 * several messages moves each.
 * Method: fake link sockets (test/pool/fake-sockets.ts), the in-process matchmaker with
 * one or two proxies registered, a manual clock.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ProxyClientLinks } from "../../src/driver/proxy-client-links.js";
import {
  CryptoRng,
  InProcessMatchmaker,
  joinBatch,
  PROXY_BATCH_FRONTEND_KEY,
  PROXY_FRONTEND_KEY,
  type ResolvedOptions,
  resolveOptions,
} from "../../src/internal.js";
import { type FakeSocket, FakeSocketFactory } from "../pool/fake-sockets.js";
import { ManualClock } from "../support/manual-clock.js";

const b = (s: string): Buffer => Buffer.from(s);
const strs = (frames: readonly Buffer[]): string[] => frames.map((f) => f.toString());
const ticks = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};
const HOST = "proxied:srv-a";

/** `["", "2.0", records]` of calls with ids `ids`. */
const batchOf = (...ids: string[]): Buffer[] =>
  joinBatch(
    ids.map((id) => [b(""), b("1.0"), b("1"), b(id), b("[{},{}]")]),
    0,
  );

async function links(options: { batchProxy: boolean; options?: Partial<ResolvedOptions>; proxies?: string[] }) {
  const clock = new ManualClock();
  const matchmaker = new InProcessMatchmaker(clock);
  for (const p of options.proxies ?? ["tcp://p1:1"]) {
    await matchmaker.register(PROXY_FRONTEND_KEY, p, null);
    if (options.batchProxy) await matchmaker.register(PROXY_BATCH_FRONTEND_KEY, p, null);
  }
  const sockets = new FakeSocketFactory();
  sockets.connectAtOnce = true;
  const deps = {
    sockets,
    clock,
    rng: new CryptoRng(),
    matchmaker,
    options: { ...resolveOptions({}), ...options.options },
  };
  const l = new ProxyClientLinks(deps);
  l.dealer(); // starts following the proxies
  await ticks();
  const link = sockets.dealers.find((d) => d.connects[0] === "tcp://p1:1");
  assert.ok(link, "a link to the proxy");
  return { l, link: link as FakeSocket, sockets };
}

test("proxy client links - a batch goes as one ROUTE through a proxy that forwards batches, each message with its own hop", async () => {
  const { l, link } = await links({ batchProxy: true });
  await l.send(HOST, batchOf("m1", "m2", "m3"));
  assert.deepEqual(
    link.sent.map((f) => strs(f.slice(0, 4))),
    [["", "R", HOST, "2.0"]],
  );
  for (const id of ["m1", "m2", "m3"]) assert.equal(l.hops.hostOf(id), HOST);
  l.close();
});

test("proxy client links - through a proxy from before batches, one ROUTE per message on the same link; sent once one left, even if another failed", async () => {
  const { l, link, sockets } = await links({ batchProxy: false });
  let n = 0;
  sockets.sendOutcome = () => (++n === 2 ? "EAGAIN" : "ok"); // the second message's send fails
  await l.send(HOST, batchOf("m1", "m2", "m3"));
  assert.deepEqual(
    link.sent.map((f) => strs(f)),
    ["m1", "m2", "m3"].map((id) => ["", "R", HOST, "1.0", "1", id, "[{},{}]"]),
  );
  for (const id of ["m1", "m2", "m3"]) assert.equal(l.hops.hostOf(id), HOST);
  l.close();
});

test("proxy client links - a split batch whose link queue cannot take every message is refused whole, nothing sent", async () => {
  const { l, link, sockets } = await links({ batchProxy: false, options: { maxQueuedSends: 2 } });
  sockets.sendOutcome = () => "ok";
  await assert.rejects(l.send(HOST, batchOf("m1", "m2", "m3", "m4")), { code: "EAGAIN" });
  assert.deepEqual(link.sent, []);
  assert.equal(l.hops.size, 0);
  l.close();
});

test("proxy client links - a split batch every message of which failed is refused, and leaves no hop behind", async () => {
  const { l, sockets } = await links({ batchProxy: false });
  sockets.sendOutcome = () => "EAGAIN";
  await assert.rejects(l.send(HOST, batchOf("m1", "m2")), { code: "EAGAIN" });
  assert.equal(l.hops.size, 0);
  l.close();
});

test("proxy client links - a message or a whole batch its link refused leaves no hop behind: a later link-down does not send again what the delivery core counted as failed", async () => {
  for (const batchProxy of [true, false]) {
    const { l, sockets } = await links({ batchProxy });
    sockets.sendOutcome = () => "EAGAIN";
    await assert.rejects(l.send(HOST, [b(""), b("1.0"), b("1"), b("m0"), b("[{},{}]")]), { code: "EAGAIN" });
    if (batchProxy) await assert.rejects(l.send(HOST, batchOf("m1", "m2")), { code: "EAGAIN" });
    assert.equal(l.hops.size, 0, `batchProxy ${batchProxy}`);
    l.close();
  }
});

test("proxy client links - a NO-ROUTE naming every message of a batch reaches each one's hop", async () => {
  const { l, link } = await links({ batchProxy: true });
  await l.send(HOST, batchOf("m1", "m2"));
  link.deliver([b(""), b("N"), b(HOST), b("m1"), b("m2")]);
  await ticks();
  // The only proxy refused both: they are dropped from the table (surely undelivered).
  assert.equal(l.hops.hostOf("m1"), undefined);
  assert.equal(l.hops.hostOf("m2"), undefined);
  assert.equal(l.stats.strayInbound, 0);
  l.close();
});

test("proxy client links - a message or a batch whose link went down while it waited there is sent again through another link, and its first send failing then does not fail it (the delivery core would send it to another server too)", async () => {
  const cases: [string, Buffer[], string[], boolean][] = [
    ["a single message", [b(""), b("1.0"), b("1"), b("m0"), b("[{},{}]")], ["m0"], false],
    ["a split batch", batchOf("m1", "m2"), ["m1", "m2"], false],
    ["a whole batch", batchOf("m3", "m4"), ["m3", "m4"], true],
  ];
  for (const [what, frames, ids, batchProxy] of cases) {
    const { l, sockets } = await links({ batchProxy, proxies: ["tcp://p1:1", "tcp://p2:1"] });
    const [p1, p2] = ["tcp://p1:1", "tcp://p2:1"].map((a) => sockets.dealers.find((d) => d.connects[0] === a)!);
    // p1 goes down while the send waits on it, and the send then fails.
    sockets.sendOutcome = (s) => {
      if (s !== p1) return "ok";
      s.emit({ type: "disconnect", address: "tcp://p1:1" });
      return "EAGAIN";
    };
    await l.send(HOST, frames); // resolves: the messages are on their way through p2
    await ticks();
    assert.ok(p1!.sent.length >= 1, `${what}: first sent on p1`);
    const resent = p2!.sent.flatMap((f) => (f[3]?.toString() === "1.0" ? [f[5]!.toString()] : []));
    assert.deepEqual(resent.sort(), ids, `${what}: each sent again alone through p2`);
    for (const id of ids) assert.equal(l.hops.linkOf(id), "tcp://p2:1", what);
    l.close();
  }
});
