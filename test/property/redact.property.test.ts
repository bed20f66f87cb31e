/**
 * Goal: no output the driver produces about a Redis URL or its options depends on a
 * password or a TLS secret — so none can contain it. Property, for arbitrary passwords
 * (any Unicode, percent-encoded into the URL, or raw: `@`, `/`, `:`, `%` included):
 * - an InvalidTransportURL's message, `url`, stack, JSON and util.inspect output are the
 *   same as for a reference password (one that decodes the same way or fails the same way);
 * - the parsed URL's and the transport's JSON and util.inspect output are the same as for
 *   the reference, and so are resolved Redis options holding the secret as tls.key and
 *   tls.passphrase;
 * - scrubError leaves no trace of the secret anywhere in an error chain that held it in
 *   its messages, stacks and ioredis command arguments.
 * Method: fast-check; transports with the in-process matchmaker given as an option (the
 * URL is parsed and kept, no Redis is contacted).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import fc from "fast-check";
import {
  getRpcTransport,
  InProcessMatchmaker,
  NodeClock,
  parseTransportUrl,
  resolveRedisMatchmakerOptions,
  scrubError,
} from "../../src/internal.js";

const RUNS = 300;
const password = fc.string({ unit: "binary", minLength: 1, maxLength: 40 });

/** Everything one can print of an error, without this file's stack frames (their lines differ by call site). */
function errorOutput(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    const err = e as Error & { url?: string };
    return [err.message, err.url, err.stack, JSON.stringify(err), inspect(err, { depth: Infinity, showHidden: true })]
      .map(String)
      .join("\n")
      .split("\n")
      .filter((line) => !line.includes("redact.property.test.ts"))
      .join("\n");
  }
  return "(no error)";
}

const decodes = (s: string): boolean => {
  try {
    decodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
};

test("redact property - URL errors are the same whatever the password, percent-encoded or raw", () => {
  fc.assert(
    fc.property(password, (pw) => {
      const bad = (p: string): string => `zmq+redis://user:${p}@127.0.0.1:99999`;
      const encoded = errorOutput(() => parseTransportUrl(bad(encodeURIComponent(pw))));
      assert.equal(
        encoded,
        errorOutput(() => parseTransportUrl(bad("reference"))),
      );
      const raw = errorOutput(() => parseTransportUrl(bad(pw)));
      assert.equal(
        raw,
        errorOutput(() => parseTransportUrl(bad(decodes(pw) ? "reference" : "%zz"))),
      );
      const sentinel = (p: string): string => `zmq+sentinel://s1/mm?sentinelPassword=${p}&color=blue`;
      assert.equal(
        errorOutput(() => parseTransportUrl(sentinel(encodeURIComponent(pw)))),
        errorOutput(() => parseTransportUrl(sentinel("reference"))),
      );
    }),
    { numRuns: RUNS },
  );
});

test("redact property - parsed URLs, transports and resolved Redis options print the same whatever the secret", async () => {
  const clock = new NodeClock();
  const printed = async (pw: string): Promise<string> => {
    const e = encodeURIComponent(pw);
    const spec = parseTransportUrl(`zmq+sentinels://app:${e}@s1/mm?sentinelPassword=${e}`);
    const t = await getRpcTransport(`zmq+rediss://app:${e}@127.0.0.1:6390/1`, {
      matchmaker: new InProcessMatchmaker(clock),
    });
    try {
      const o = resolveRedisMatchmakerOptions({ tls: { key: pw, passphrase: pw, servername: "redis" } });
      return [spec, t, o, o.tls]
        .flatMap((x) => [JSON.stringify(x), inspect(x, { depth: Infinity }), `${x}`])
        .join("\n");
    } finally {
      await t.close();
    }
  };
  const reference = await printed("reference");
  await fc.assert(
    fc.asyncProperty(password, async (pw) => {
      assert.equal(await printed(pw), reference);
    }),
    { numRuns: 100 },
  );
});

test("redact property - scrubError leaves no trace of a secret in an error chain", () => {
  fc.assert(
    fc.property(password, fc.string(), (pw, text) => {
      fc.pre(!"***".includes(pw)); // the mask itself holds "*" and "**"
      const inner = Object.assign(new Error(`${text}${pw}${text}`), {
        command: { name: "hello", args: ["3", "AUTH", "default", pw] },
      });
      const outer = new Error(`failed: ${encodeURIComponent(pw)}`, { cause: inner });
      scrubError(outer, [pw]);
      // Each part on its own: a secret such as "\n" would otherwise be found in the separator.
      for (const part of [outer.message, outer.stack ?? "", inner.message, inner.stack ?? "", ...inner.command.args]) {
        assert.equal(part.includes(pw), false);
        assert.equal(part.includes(encodeURIComponent(pw)), false);
      }
    }),
    { numRuns: RUNS },
  );
});
