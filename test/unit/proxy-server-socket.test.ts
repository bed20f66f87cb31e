/**
 * Goal: a proxied listener's virtual ROUTER (src/driver/proxy-server-socket.ts) with
 * batches (spec/proxy.md, "Batches through proxies"): a MESSAGE carrying a batch reaches
 * the listener as a direct-mode batch; a batch of replies leaves as one BACK on the link its
 * requests came on; when that link went down meanwhile (the link it would take instead has
 * not carried a batch since it connected), or when its requests came on different links,
 * it leaves one BACK per message, each on its request's link.
 * Method: fake link sockets (test/pool/fake-sockets.ts) for two proxies in the in-process
 * matchmaker, a manual clock; frames in, frames out.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CryptoRng, InProcessMatchmaker, joinBatch, PROXY_BACKEND_KEY, resolveOptions } from "../../src/internal.js";
import { ProxyServerSocket } from "../../src/driver/proxy-server-socket.js";
import { type FakeSocket, FakeSocketFactory } from "../pool/fake-sockets.js";
import { ManualClock } from "../support/manual-clock.js";

const b = (s: string): Buffer => Buffer.from(s);
const strs = (frames: readonly Buffer[]): string[] => frames.map((f) => f.toString());
const tick = () => new Promise<void>((r) => setImmediate(r));

/** `["", "2.0", records]` of 1.0 messages `[type, id, payload]`. */
const batchOf = (...messages: [string, string, string][]): Buffer[] =>
  joinBatch(
    messages.map(([type, id, payload]) => [b(""), b("1.0"), b(type), b(id), b(payload)]),
    0,
  );

async function proxied(): Promise<{ socket: ProxyServerSocket; links: FakeSocket[] }> {
  const clock = new ManualClock();
  const matchmaker = new InProcessMatchmaker(clock);
  await matchmaker.register(PROXY_BACKEND_KEY, "tcp://p1:1", null);
  await matchmaker.register(PROXY_BACKEND_KEY, "tcp://p2:1", null);
  const sockets = new FakeSocketFactory();
  sockets.connectAtOnce = true;
  const deps = { sockets, clock, rng: new CryptoRng(), matchmaker, options: resolveOptions({}) };
  const socket = new ProxyServerSocket(deps, { routingId: "srv-x" }, () => undefined);
  await socket.bind();
  const links = ["tcp://p1:1", "tcp://p2:1"].map((a) => sockets.dealers.find((d) => d.connects[0] === a)!);
  assert.equal(links.length, 2);
  return { socket, links };
}

/** What `link` sent after its SUBSCRIBE, as strings (the records frame as a marker). */
const backs = (link: FakeSocket): string[][] =>
  link.sent
    .filter((f) => f[1]?.toString() === "B")
    .map((f) => strs(f).map((s, i) => (i === 4 && f[3]!.toString() === "2.0" ? "<records>" : s)));

async function receiveBatch(socket: ProxyServerSocket, link: FakeSocket, ...ids: string[]): Promise<Buffer[]> {
  const [, v2, records] = batchOf(...ids.map((id): [string, string, string] => ["1", id, "[{},{}]"]));
  link.deliver([b(""), b("M"), b("cli-1"), b(""), v2!, records!]);
  const frames = await socket.receive();
  assert.deepEqual(strs(frames.slice(0, 3)), ["cli-1", "", "2.0"], "the listener reads a direct-mode batch");
  return frames;
}

const repliesTo = (...ids: string[]): Buffer[] => [
  b("cli-1"),
  ...batchOf(...ids.map((id): [string, string, string] => ["5", id, "[1,null]"])),
];

test("proxy server socket - a batch of replies to a batch leaves as one BACK on the link the batch came on", async () => {
  const { socket, links } = await proxied();
  await receiveBatch(socket, links[0]!, "m1", "m2");
  await socket.send(repliesTo("m1", "m2"));
  assert.deepEqual(backs(links[0]!), [["", "B", "cli-1", "2.0", "<records>"]]);
  assert.deepEqual(backs(links[1]!), []);
  socket.close();
});

test("proxy server socket - when the batch's link went down, its replies leave one by one through a link that has carried no batch", async () => {
  const { socket, links } = await proxied();
  await receiveBatch(socket, links[0]!, "m1", "m2");
  links[0]!.emit({ type: "disconnect", address: "tcp://p1:1" });
  await socket.send(repliesTo("m1", "m2"));
  await tick();
  assert.deepEqual(backs(links[0]!), []);
  assert.deepEqual(backs(links[1]!), [
    ["", "B", "cli-1", "1.0", "5", "m1", "[1,null]"],
    ["", "B", "cli-1", "1.0", "5", "m2", "[1,null]"],
  ]);
  socket.close();
});

test("proxy server socket - replies batched together whose requests came on different links leave one by one, each on its request's link", async () => {
  const { socket, links } = await proxied();
  await receiveBatch(socket, links[0]!, "m1", "m2");
  await receiveBatch(socket, links[1]!, "m3", "m4");
  await socket.send(repliesTo("m1", "m3"));
  await tick();
  assert.deepEqual(backs(links[0]!), [["", "B", "cli-1", "1.0", "5", "m1", "[1,null]"]]);
  assert.deepEqual(backs(links[1]!), [["", "B", "cli-1", "1.0", "5", "m3", "[1,null]"]]);
  socket.close();
});
