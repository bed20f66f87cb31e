/**
 * Goal: the test helper that starts redis-server (test/support/redis-server.ts) never
 * leaves a server running when a start fails: a server that runs but never answers PING as
 * expected is killed and its directory removed, so the test process can exit.
 * Method: a real redis-server whose PING command is renamed away (it answers an error to
 * every PING), a short readyTimeoutMs; afterwards its port refuses connections.
 */
import assert from "node:assert/strict";
import { Socket } from "node:net";
import { describe, test } from "node:test";
import { freePort, redisSkipReason, startRedis } from "../support/redis-server.js";

/** Resolves with the connection error's code, or "connected". */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.connect(port, "127.0.0.1", () => {
      s.destroy();
      resolve("connected");
    });
  });
}

describe("redis-server test helper", { skip: redisSkipReason() ?? false }, () => {
  test("a start whose PING wait fails kills the server it launched", async () => {
    const port = await freePort();
    await assert.rejects(
      startRedis({ port, config: ['rename-command PING ""'], readyTimeoutMs: 500 }),
      /did not answer PING within 500 ms/,
    );
    assert.equal(await tryConnect(port), "ECONNREFUSED", "nothing listens on the port any more");
  });
});
