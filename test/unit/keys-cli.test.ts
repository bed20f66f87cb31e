/**
 * Goal: `npm run keys` (src/cli/keys.ts) prints fresh, valid, distinct CURVE key pairs an
 * operator can paste into DriverOptions.curve, and refuses a bad option with its usage.
 * Method: the program as a child process; each printed secret key's public key, computed
 * with X25519, is the printed public key.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { curvePublicKeyOf, isCurveKey } from "../../src/internal.js";

const keys = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/keys.ts", ...args], { encoding: "utf8" });

test("keys cli - --json --count 3 prints three distinct valid pairs, one JSON object a line", () => {
  const r = keys("--json", "--count", "3");
  assert.equal(r.status, 0, r.stderr);
  const pairs = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { publicKey: string; secretKey: string });
  assert.equal(pairs.length, 3);
  for (const p of pairs) {
    assert.ok(isCurveKey(p.publicKey) && isCurveKey(p.secretKey));
    assert.equal(curvePublicKeyOf(p.secretKey), p.publicKey, "the pair belongs together");
  }
  assert.equal(new Set(pairs.map((p) => p.secretKey)).size, 3, "fresh keys each time");
});

test("keys cli - the default output is public-key= and secret-key= lines", () => {
  const r = keys();
  assert.equal(r.status, 0, r.stderr);
  const m = /^public-key=(.{40})\nsecret-key=(.{40})\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.equal(curvePublicKeyOf(m[2]!), m[1]);
});

test("keys cli - a bad option or count exits 2 with the usage", () => {
  for (const args of [["--bogus"], ["--count", "0"]]) {
    const r = keys(...args);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage: npm run keys/);
    assert.equal(r.stdout, "");
  }
});
