/**
 * Goal: the client's hop table (src/core/proxy-hops.ts) spreads messages over the links
 * that are up, moves what was on a failed link to another live one with the same frames,
 * tries every live proxy once on NO-ROUTE, keeps a call until its reply and anything else
 * until its ACK, and forgets by age and count. Method: hand-driven inputs.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { HopTable } from "../../src/internal.js";

const f = [Buffer.from("frames")];

function table(...links: string[]): HopTable {
  const t = new HopTable(60_000, 100);
  for (const l of links) {
    t.addLink(l);
    t.linkUp(l);
  }
  return t;
}

test("proxy hops - round robin over the links that are up; a down link is skipped", () => {
  const t = table("p1", "p2", "p3");
  assert.deepEqual(
    ["a", "b", "c", "d"].map((id) => t.send(id, "h", f, true, 0)),
    ["p1", "p2", "p3", "p1"],
  );
  assert.deepEqual(
    t.linkDown("p2").map((r) => [r.id, r.link]),
    [["b", "p3"]],
  );
  assert.deepEqual(
    ["e", "g", "i"].map((id) => t.send(id, "h", f, true, 0)),
    ["p1", "p3", "p1"],
  );
});

test("proxy hops - the other messages of a batch go through the link the first went on (via), each with its own hop; an unknown via is ignored", () => {
  const t = table("p1", "p2");
  assert.equal(t.send("a", "h", f, true, 0), "p1");
  assert.deepEqual(
    ["b", "c"].map((id) => t.send(id, "h", f, true, 0, "p1")),
    ["p1", "p1"],
  );
  assert.equal(t.send("d", "h", f, true, 0), "p2", "round robin goes on from the first message's pick");
  assert.equal(t.send("e", "h", f, true, 0, "gone"), "p1");
  assert.deepEqual(
    t.linkDown("p1").map((r) => r.id),
    ["a", "b", "c", "e"],
  );
});

test("proxy hops - an entry that does not move on link down (a fanout without acks) is dropped when its link, up since it was sent, goes down, counted; a NO-ROUTE still moves it", () => {
  const t = table("p1", "p2");
  assert.equal(t.send("f1", "published:k", f, false, 0, undefined, false), "p1");
  assert.equal(t.send("c1", "h", f, true, 0, "p1"), "p1");
  assert.deepEqual(
    t.linkDown("p1").map((r) => r.id),
    ["c1"],
  );
  assert.equal(t.knows("f1"), false);
  assert.equal(t.stats.unmovedDropped, 1);
  assert.equal(t.send("f2", "published:k", f, false, 0, undefined, false), "p2");
  t.linkUp("p1");
  assert.deepEqual(t.noRoute("f2", "p2"), { id: "f2", link: "p1", frames: f });
});

test("proxy hops - an entry that does not move on link down still moves when its link was never up since it was sent (it cannot have left)", () => {
  const t = new HopTable(60_000, 100);
  t.addLink("p1");
  t.addLink("p2");
  assert.equal(t.send("f1", "published:k", f, false, 0, undefined, false), "p1", "no link up: a known one");
  t.linkUp("p2");
  assert.deepEqual(
    t.linkDown("p1").map((r) => [r.id, r.link]),
    [["f1", "p2"]],
  );
  assert.deepEqual(t.linkDown("p2"), [], "sent again on an up link, it may have left: dropped");
  assert.equal(t.stats.unmovedDropped, 1);
});

test("proxy hops - unsent drops the entry of a send that never left, not one a later send of the same id replaced", () => {
  const t = table("p1");
  const first = [Buffer.from("first")];
  const again = [Buffer.from("again")];
  t.send("a", "h", first, true, 0);
  t.unsent("a", first);
  assert.equal(t.knows("a"), false);
  t.send("b", "h", first, true, 0);
  t.send("b", "h", again, true, 1); // an ACK-timeout resend replaced it
  t.unsent("b", first);
  assert.equal(t.knows("b"), true);
});

test("proxy hops - with no link up a send still gets a known link (it waits there); with none known, undefined", () => {
  const t = new HopTable(1000);
  assert.equal(t.send("a", "h", f, true, 0), undefined);
  t.addLink("p1");
  assert.equal(t.send("a", "h", f, true, 0), "p1");
});

test("proxy hops - a link that goes down moves its unanswered messages to another live link, same frames", () => {
  const t = table("p1", "p2");
  t.send("a", "h", f, true, 0); // p1
  t.send("b", "h", f, true, 0); // p2
  t.send("c", "h", f, true, 0); // p1
  const moved = t.linkDown("p1");
  assert.deepEqual(
    moved.map((r) => [r.id, r.link, r.frames]),
    [
      ["a", "p2", f],
      ["c", "p2", f],
    ],
  );
  assert.equal(t.stats.resentLinkDown, 2);
  // With no live link left, what was on the last one is dropped (counted).
  assert.deepEqual(t.linkDown("p2"), []);
  assert.equal(t.stats.strandedDropped, 3);
});

test("proxy hops - a call stays until its reply; a cast leaves at its ACK; an unknown id is stale", () => {
  const t = table("p1", "p2");
  t.send("call", "h1", f, true, 0);
  t.send("cast", "h2", f, false, 0);
  assert.equal(t.answered("call", "6"), "h1");
  assert.equal(t.size, 2);
  assert.equal(t.answered("call", "5"), "h1");
  assert.equal(t.answered("cast", "6"), "h2");
  assert.equal(t.size, 0);
  assert.equal(t.answered("nope", "5"), undefined);
});

test("proxy hops - NO-ROUTE tries each live proxy once, then drops it as surely undelivered", () => {
  const t = table("p1", "p2", "p3");
  assert.equal(t.send("a", "h", f, true, 0), "p1");
  assert.equal(t.noRoute("a", "p2"), undefined, "a notice from a link it is not on is ignored");
  assert.deepEqual(t.noRoute("a", "p1"), { id: "a", link: "p2", frames: f });
  assert.deepEqual(t.noRoute("a", "p2"), { id: "a", link: "p3", frames: f });
  assert.deepEqual(t.noRoute("a", "p3"), { dropped: true, undelivered: true });
  assert.equal(t.noRoute("a", "p3"), undefined, "then it is unknown");
  assert.equal(t.size, 0);
  assert.deepEqual([t.stats.resentNoRoute, t.stats.noRouteDropped], [2, 1]);
});

test("proxy hops - a message that was on a link that went down may have arrived: dropped by NO-ROUTE, it is not surely undelivered", () => {
  const t = table("p1", "p2");
  assert.equal(t.send("a", "h", f, false, 0), "p1");
  assert.deepEqual(t.linkDown("p1"), [{ id: "a", link: "p2", frames: f }]);
  assert.deepEqual(t.noRoute("a", "p2"), { dropped: true, undelivered: false });
  assert.equal(t.send("b", "h", f, false, 1), "p2", "a fresh first send starts surely undelivered again");
  assert.deepEqual(t.noRoute("b", "p2"), { dropped: true, undelivered: true });
});

test("proxy hops - entries are forgotten by age and beyond the count bound, oldest first", () => {
  const t = new HopTable(1000, 2);
  t.addLink("p1");
  t.linkUp("p1");
  t.send("a", "h", f, true, 0);
  t.send("b", "h", f, true, 500);
  t.send("c", "h", f, true, 600);
  assert.equal(t.answered("a", "5"), undefined, "a was the oldest beyond 2 entries");
  t.purge(1550);
  assert.equal(t.answered("b", "5"), undefined, "b is older than 1000 ms");
  assert.equal(t.answered("c", "5"), "h");
  assert.equal(t.stats.forgotten, 2);
});

test("proxy hops - a removed link is forgotten and its messages move", () => {
  const t = table("p1", "p2");
  t.send("a", "h", f, true, 0);
  assert.deepEqual(
    t.removeLink("p1").map((r) => r.link),
    ["p2"],
  );
  assert.deepEqual(t.knownLinks, ["p2"]);
});
