/**
 * Goal: one ZAP handler serves a whole zeromq.js Context (spec/security.md, "CURVE"): in
 * one factory, a CURVE router with an allow-list refuses other keys, while a CURVE router
 * without one and a plaintext router in the same Context take their clients as if no
 * handler were there; routers with different allow-lists keep their own. The handler is
 * closed with the factory.
 * Method: ZmqSocketFactory over loopback, the port's events and receives.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PortSocket, SocketEvent } from "../../src/internal.js";
import { ZmqSocketFactory } from "../../src/internal.js";
import { generateCurveKeyPair } from "../../src/index.js";

const B = (s: string): Buffer => Buffer.from(s);

function firstEvent(s: PortSocket, type: SocketEvent["type"]): Promise<SocketEvent> {
  return new Promise((resolve) => {
    const off = s.onEvent((e) => {
      if (e.type === type) {
        off();
        resolve(e);
      }
    });
  });
}

test("zap - one handler per Context: allow-lists per router; routers without one (CURVE or plaintext) are not refused", async () => {
  const f = new ZmqSocketFactory();
  const server = generateCurveKeyPair();
  const alice = generateCurveKeyPair();
  const bob = generateCurveKeyPair();
  const open: PortSocket[] = [];
  const keep = <S extends PortSocket>(s: S): S => {
    open.push(s);
    return s;
  };
  try {
    const onlyAlice = keep(f.router({ curveServer: { ...server, allowedClientKeys: [alice.publicKey] } }));
    const onlyBob = keep(f.router({ curveServer: { ...server, allowedClientKeys: [bob.publicKey] } }));
    const anyKey = keep(f.router({ curveServer: server }));
    const plain = keep(f.router({}));
    const refused = firstEvent(onlyAlice, "auth:refused");
    const [a, b, c, p] = await Promise.all([onlyAlice, onlyBob, anyKey, plain].map((r) => r.bind("tcp://127.0.0.1:*")));

    const bobAtAlice = keep(f.dealer({ curveClient: bob, immediate: true, sendTimeoutMs: 300 }));
    bobAtAlice.connect(a!, { curveServerKey: server.publicKey });
    await assert.rejects(bobAtAlice.send([B("x")]), { code: "EAGAIN" });
    const e = await refused;
    assert.equal(e.type === "auth:refused" && e.clientKey, bob.publicKey);

    for (const [address, router] of [
      [b!, onlyBob],
      [c!, anyKey],
    ] as const) {
      const d = keep(f.dealer({ curveClient: bob, routingId: "bob" }));
      d.connect(address, { curveServerKey: server.publicKey });
      await d.send([B("hello")]);
      assert.deepEqual((await router.receive()).map(String), ["bob", "hello"]);
    }
    const d = keep(f.dealer({ routingId: "plain" }));
    d.connect(p!);
    await d.send([B("hi")]);
    assert.deepEqual((await plain.receive()).map(String), ["plain", "hi"]);
  } finally {
    for (const s of open) s.close();
    f.close();
  }
});
