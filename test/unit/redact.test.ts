/**
 * Goal: the redaction mechanism (src/core/redact.ts) masks what it promises: the password
 * of a URL (keeping the user), secret query values, secret option fields at any depth,
 * Secrets in every kind of output, and secrets inside errors (message, stack, ioredis
 * command arguments, the cause chain); and leaves everything else readable.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import {
  hideSecrets,
  InvalidTransportURL,
  MatchmakerUnavailable,
  redactOptions,
  redactText,
  redactUrl,
  resolveOptions,
  resolveRedisMatchmakerOptions,
  scrubError,
  Secret,
} from "../../src/internal.js";

test("redact - URLs: the password becomes ***, the user and the rest stay", () => {
  const cases: [string, string][] = [
    ["zmq+redis://user:pass@host:6379/2", "zmq+redis://user:***@host:6379/2"],
    ["zmq+redis://:pass@host", "zmq+redis://:***@host"],
    ["zmq+redis://barepassword@host", "zmq+redis://***@host"],
    ["zmq+rediss://u:p@ss/w:rd@host", "zmq+rediss://u:***@host"],
    ["zmq+redis://host:6379", "zmq+redis://host:6379"],
    [
      "zmq+sentinel://s1,s2/mm?sentinelPassword=x&password=y",
      "zmq+sentinel://s1,s2/mm?sentinelPassword=***&password=***",
    ],
    ["zmq+sentinel://a:b@s1/mm?sentinelUsername=sent", "zmq+sentinel://a:***@s1/mm?sentinelUsername=sent"],
    ["zmq+sentinel://s1/mm?sentinelPassword=a&b", "zmq+sentinel://s1/mm?sentinelPassword=***&***"],
    ["zmq://", "zmq://"],
    ["not a url", "not a url"],
  ];
  for (const [url, shown] of cases) assert.equal(redactUrl(url), shown, url);
});

test("redact - a Secret shows as *** in strings, templates, JSON and util.inspect; reveal() gives it back", () => {
  const s = new Secret("hunter2");
  assert.equal(s.reveal(), "hunter2");
  assert.equal(String(s), "***");
  assert.equal(`${s}`, "***");
  assert.equal(`x${s}`.includes("hunter2"), false);
  assert.equal(JSON.stringify({ s }), '{"s":"***"}');
  assert.equal(inspect({ s }, { depth: Infinity, showHidden: true }).includes("hunter2"), false);
  assert.deepEqual(Object.keys(s), []);
  assert.equal(JSON.stringify(structuredClone({ s })).includes("hunter2"), false);
});

test("redact - options: secret fields at any depth become ***, URLs are redacted, class instances and cycles are summarised", () => {
  const cyclic: Record<string, unknown> = { name: "c" };
  cyclic.self = cyclic;
  const shown = redactOptions({
    bindAddress: "127.0.0.1",
    curve: { publicKey: "PUB", secretKey: "SEC" },
    redisMatchmaker: { keyPrefix: "p:", tls: { ca: "CA", cert: "CERT", key: "KEY", passphrase: "PHRASE" } },
    url: "zmq+redis://u:pw@h",
    list: [{ password: "x" }, new Secret("y")],
    buffer: Buffer.from("KEYBYTES"),
    fn: function named() {},
    cyclic,
    unset: { password: undefined },
  });
  assert.deepEqual(shown, {
    bindAddress: "127.0.0.1",
    curve: { publicKey: "PUB", secretKey: "***" },
    redisMatchmaker: { keyPrefix: "p:", tls: { ca: "CA", cert: "CERT", key: "***", passphrase: "***" } },
    url: "zmq+redis://u:***@h",
    list: [{ password: "***" }, "***"],
    buffer: "[Buffer]",
    fn: "[Function named]",
    cyclic: { name: "c", self: "[Circular]" },
    unset: { password: undefined },
  });
});

test("redact - hideSecrets: JSON and inspect show the redacted copy, the fields stay readable; resolved options use it", () => {
  const o = hideSecrets({ user: "u", secretKey: "SEC", nested: { key: "K" } });
  assert.equal(o.secretKey, "SEC");
  assert.equal(JSON.stringify(o), '{"user":"u","secretKey":"***","nested":{"key":"***"}}');
  assert.equal(inspect(o).includes("SEC"), false);
  assert.deepEqual(Object.keys(o), ["user", "secretKey", "nested"], "the hooks are not enumerable");
  const r = resolveRedisMatchmakerOptions({ tls: { key: "PRIVATE-KEY", passphrase: "PHRASE", servername: "r" } });
  assert.equal(r.tls?.key, "PRIVATE-KEY", "the connection still gets the key");
  for (const out of [JSON.stringify(r), inspect(r, { depth: Infinity }), JSON.stringify(r.tls), inspect(r.tls)]) {
    assert.equal(out.includes("PRIVATE-KEY") || out.includes("PHRASE"), false, out);
    assert.ok(out.includes("servername"), out);
  }
  assert.equal(
    JSON.parse(JSON.stringify(resolveOptions({}))).bindAddress,
    "127.0.0.1",
    "driver options print as before",
  );
});

test("redact - text: every secret and its percent-encoded form, longest first", () => {
  assert.equal(redactText("a p@ss b p%40ss c", ["p@ss"]), "a *** b *** c");
  assert.equal(redactText("abcdef", ["abc", "abcdef"]), "***");
  assert.equal(redactText("nothing", [""]), "nothing");
});

test("redact - errors: message, stack, ioredis command arguments and the whole cause chain, in place", () => {
  const inner = Object.assign(new Error("WRONGPASS for s3cr3t"), {
    command: { name: "hello", args: ["3", "AUTH", "default", "s3cr3t"] },
  });
  const middle = new AggregateError([new Error("also s3cr3t")], "several", { cause: inner });
  const outer = new MatchmakerUnavailable("Redis matchmaker failed: s3cr3t", { cause: middle });
  assert.equal(scrubError(outer, ["s3cr3t"]), outer);
  const all = inspect(outer, { depth: Infinity, showHidden: true });
  assert.equal(all.includes("s3cr3t"), false, all);
  assert.deepEqual(inner.command.args, ["3", "AUTH", "default", "***"]);
  assert.equal(inner.message, "WRONGPASS for ***");
  assert.equal(outer.reason, "unavailable");
  assert.equal(outer.retryable, true);
  const auth = new MatchmakerUnavailable("x", { reason: "authentication" });
  assert.equal(auth.retryable, false, "a wrong password is not cured by retrying");
});

test("redact - InvalidTransportURL shows and keeps only the redacted URL", () => {
  const e = new InvalidTransportURL("zmq+redis://u:topsecret@h:0", "port 0 is out of range");
  assert.equal(e.url, "zmq+redis://u:***@h:0");
  assert.equal(e.message, 'Invalid transport URL "zmq+redis://u:***@h:0": port 0 is out of range');
  assert.equal(inspect(e, { showHidden: true }).includes("topsecret"), false);
});
