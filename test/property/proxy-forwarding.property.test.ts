/**
 * Goal: the proxy's forwarding core (src/core/proxy-forwarding.ts) against a model.
 * - exact topic matching: a publish reaches exactly the identities whose latest
 *   SUBSCRIBE named its key, byte for byte; keys are drawn so that many are prefixes of
 *   others ("compute", "compute_foo", "compute/x", "comp"), and no subscriber ever gets a
 *   copy for another key;
 * - every input is forwarded or dropped with a reason; a route always targets the named
 *   identity and carries the NO-ROUTE notice for its client; unreachable() forgets;
 * - arbitrary frames never throw and are never forwarded unless well formed.
 * Method: fc.commands over subscribe / publish / route / back / unreachable / garbage.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ProxyCore, type ProxyEffect, type ProxySend } from "../../src/internal.js";

const KEYS = ["compute", "compute_foo", "compute/x", "comp", "compute.", "c", "notify:compute.info"];
const IDS = ["s1", "s2", "s3", "s4"];
const b = (s: string): Buffer => Buffer.from(s);
const body = (type: string, id: string): Buffer[] => [b("1.0"), b(type), b(id), b("{}")];
const sends = (effects: ProxyEffect[]): ProxySend[] => effects.filter((e): e is ProxySend => e.kind === "send");

type Model = Map<string, Set<string>>;
interface Real {
  core: ProxyCore;
  n: number;
}

class Subscribe implements fc.Command<Model, Real> {
  constructor(
    readonly id: string,
    readonly keys: string[],
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const out = r.core.fromBackend([b(this.id), b(""), b("S"), ...this.keys.map(b)]);
    assert.deepEqual(out, []);
    if (this.keys.length === 0) m.delete(this.id);
    else m.set(this.id, new Set(this.keys));
  }
  toString = () => `subscribe(${this.id}, [${this.keys.join(", ")}])`;
}

class Publish implements fc.Command<Model, Real> {
  constructor(readonly key: string) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const msgId = `m${r.n++}`;
    const out = r.core.fromFrontend([b("cli"), b(""), b("P"), b(this.key), ...body("3", msgId)]);
    const expected = [...m].filter(([, keys]) => keys.has(this.key)).map(([id]) => id);
    if (expected.length === 0) {
      assert.deepEqual(
        out.map((e) => e.kind),
        ["drop", "send"],
      );
      const notice = sends(out)[0]!;
      assert.equal(notice.side, "frontend");
      assert.deepEqual(notice.frames.map(String), ["cli", "", "N", this.key, msgId]);
      return;
    }
    const copies = sends(out);
    assert.equal(copies.length, out.length, "a publish with subscribers drops nothing");
    assert.deepEqual(copies.map((c) => c.peer.toString()).sort(), [...expected].sort());
    for (const c of copies) {
      assert.equal(c.side, "backend");
      assert.ok(
        m.get(c.peer.toString())!.has(this.key),
        "exact topic matching: the copy's key is one it subscribed to",
      );
      assert.deepEqual(c.frames.map(String), [c.peer.toString(), "", "M", "cli", this.key, "1.0", "3", msgId, "{}"]);
    }
  }
  toString = () => `publish(${this.key})`;
}

class Route implements fc.Command<Model, Real> {
  constructor(
    readonly id: string,
    readonly unreachable: boolean,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const msgId = `m${r.n++}`;
    const [e, ...rest] = r.core.fromFrontend([b("cli"), b(""), b("R"), b(this.id), ...body("1", msgId)]);
    assert.equal(rest.length, 0);
    const send = e as ProxySend;
    assert.equal(send.kind, "send");
    assert.equal(send.side, "backend");
    assert.equal(send.peer.toString(), this.id);
    if (!this.unreachable) return;
    const after = sends(r.core.unreachable(send));
    assert.deepEqual(after[0]!.frames.map(String), ["cli", "", "N", this.id, msgId]);
    m.delete(this.id);
  }
  toString = () => `route(${this.id}${this.unreachable ? ", unreachable" : ""})`;
}

class Back implements fc.Command<Model, Real> {
  constructor(readonly id: string) {}
  check = () => true;
  run(_m: Model, r: Real): void {
    const out = sends(r.core.fromBackend([b(this.id), b(""), b("B"), b("cli"), ...body("5", "x")]));
    assert.deepEqual(out[0]!.frames.map(String), ["cli", "", "F", this.id, "1.0", "5", "x", "{}"]);
  }
  toString = () => `back(${this.id})`;
}

class Garbage implements fc.Command<Model, Real> {
  constructor(
    readonly frames: Buffer[],
    readonly side: "frontend" | "backend",
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const out = this.side === "frontend" ? r.core.fromFrontend(this.frames) : r.core.fromBackend(this.frames);
    for (const e of out) if (e.kind === "drop") assert.ok(e.reason.length > 0);
    // Well-formed garbage is possible (a valid SUBSCRIBE): keep the model in step.
    const f = this.frames;
    if (this.side === "backend" && f.length >= 3 && f[0]!.length > 0 && f[1]!.length === 0 && String(f[2]) === "S") {
      const keys = f.slice(3).map(String);
      if (keys.every((k) => k.length > 0) && out.length === 0) {
        if (keys.length === 0) m.delete(f[0]!.toString("latin1"));
        else m.set(f[0]!.toString("latin1"), new Set(keys));
      }
    }
  }
  toString = () => `garbage(${this.side}, ${this.frames.length} frames)`;
}

const frame = fc.oneof(
  fc.constantFrom(...["", "R", "P", "B", "S", "M", "1.0", "1", "3", "5", "s1", "cli"].map(b)),
  fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)),
);

const commands = [
  fc.tuple(fc.constantFrom(...IDS), fc.subarray(KEYS)).map(([id, keys]) => new Subscribe(id, keys)),
  fc.constantFrom(...KEYS).map((k) => new Publish(k)),
  fc.tuple(fc.constantFrom(...IDS), fc.boolean()).map(([id, u]) => new Route(id, u)),
  fc.constantFrom(...IDS).map((id) => new Back(id)),
  fc
    .tuple(fc.array(frame, { maxLength: 9 }), fc.constantFrom("frontend" as const, "backend" as const))
    .map(([f, side]) => new Garbage(f, side)),
];

test("proxy forwarding model - exact topic matching, every input forwarded or dropped with a reason", () => {
  fc.assert(
    fc.property(fc.commands(commands, { maxCommands: 80 }), (cmds) => {
      fc.modelRun(() => ({ model: new Map() as Model, real: { core: new ProxyCore(), n: 0 } }), cmds);
    }),
    { numRuns: 300 },
  );
});

test("proxy forwarding property - exact topic matching: no subscriber ever gets another key's publish", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(...IDS), fc.subarray(KEYS, { minLength: 1 })), { minLength: 1, maxLength: 8 }),
      fc.constantFrom(...KEYS),
      (subs, key) => {
        const core = new ProxyCore();
        const latest = new Map<string, string[]>();
        for (const [id, keys] of subs) {
          core.fromBackend([b(id), b(""), b("S"), ...keys.map(b)]);
          latest.set(id, keys);
        }
        const copies = sends(core.fromFrontend([b("cli"), b(""), b("P"), b(key), ...body("3", "m")])).filter(
          (e) => e.side === "backend",
        );
        for (const c of copies) {
          assert.ok(latest.get(c.peer.toString())!.includes(key), `${c.peer} did not subscribe to ${key}`);
          assert.equal(c.frames[4]!.toString(), key);
        }
        const want = [...latest].filter(([, keys]) => keys.includes(key)).length;
        assert.equal(copies.length, want);
      },
    ),
    { numRuns: 500 },
  );
});
