/**
 * Goal: every DriverOptions field, and every field of its nested option objects, has a row
 * in spec/transport.md's options table, so that the spec lists every option with its
 * default (a field added without its row fails here); likewise every RedisMatchmakerOptions
 * field in spec/matchmaker-redis.md.
 * Method: the option key lists that resolveOptions checks unknown keys against, and the
 * first column of the table.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { DRIVER_OPTION_KEYS, NESTED_OPTION_KEYS, REDIS_MATCHMAKER_OPTION_KEYS } from "../../src/internal.js";

test("options - every DriverOptions field (and nested field) has a row in spec/transport.md", () => {
  const spec = readFileSync(new URL("../../spec/transport.md", import.meta.url), "utf8");
  const rows = new Set(
    spec
      .split("\n")
      .map((l) => /^\| `([^`]+)`/.exec(l)?.[1])
      .filter((k): k is string => k !== undefined),
  );
  const missing: string[] = [];
  for (const k of DRIVER_OPTION_KEYS) {
    const nested = NESTED_OPTION_KEYS[k as keyof typeof NESTED_OPTION_KEYS];
    if (nested === undefined) {
      if (!rows.has(k)) missing.push(k);
    } else for (const n of nested) if (!rows.has(`${k}.${n}`)) missing.push(`${k}.${n}`);
  }
  assert.deepEqual(missing, []);
});

test("options - every RedisMatchmakerOptions field has a row in spec/matchmaker-redis.md", () => {
  const spec = readFileSync(new URL("../../spec/matchmaker-redis.md", import.meta.url), "utf8");
  const rows = new Set(spec.split("\n").map((l) => /^\| `([^`]+)`/.exec(l)?.[1]));
  assert.deepEqual(
    REDIS_MATCHMAKER_OPTION_KEYS.filter((k) => !rows.has(k)),
    [],
  );
});
