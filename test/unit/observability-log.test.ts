/**
 * Goal: the logging hook's rate limit and redaction (spec/observability.md, "Logging
 * hook"): per log key at most LINES_PER_WINDOW lines per window, the next window's first
 * line says how many were left out, keys are bounded, secrets never reach a line, a
 * throwing logger is ignored, console's shape is accepted.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveOptions } from "../../src/options.js";
import {
  checkDriverLogger,
  LINES_PER_WINDOW,
  LOG_WINDOW_MS,
  MAX_LOG_KEYS,
  RateLimitedLog,
  redactSecrets,
} from "../../src/observability/log-hook.js";
import { Observer } from "../../src/observability/observer.js";
import { ManualClock } from "../support/manual-clock.js";
import { recordingLogger } from "../support/recording-logger.js";

test("log - 10,000 lines under one key in one window write LINES_PER_WINDOW; the next window's first line carries the suppressed count", () => {
  const logger = recordingLogger();
  const log = new RateLimitedLog(logger);
  for (let i = 0; i < 10_000; i++) log.log("warn", "k", { i }, "bad frame", 1000 + i / 10);
  assert.equal(logger.lines.length, LINES_PER_WINDOW);
  log.log("warn", "k", { i: -1 }, "bad frame", 1000 + LOG_WINDOW_MS + 1);
  assert.equal(logger.lines.length, LINES_PER_WINDOW + 1);
  assert.equal(logger.lines.at(-1)!.obj.suppressed, 10_000 - LINES_PER_WINDOW);
});

test("log - keys are counted apart (peer and reason), and bounded: past MAX_LOG_KEYS new keys share one", () => {
  const logger = recordingLogger();
  const log = new RateLimitedLog(logger);
  for (let k = 0; k < MAX_LOG_KEYS + 500; k++) for (let i = 0; i < 3; i++) log.log("warn", `peer-${k}`, {}, "m", 0);
  // MAX_LOG_KEYS keys get 3 lines each; the 500 others share one key's LINES_PER_WINDOW.
  assert.equal(logger.lines.length, MAX_LOG_KEYS * 3 + LINES_PER_WINDOW);
});

test("log - the observer logs every status event once per key, through the rate limit, at its level", () => {
  const logger = recordingLogger();
  const clock = new ManualClock();
  const obs = new Observer({ clock, logger });
  for (let i = 0; i < 10_000; i++)
    obs.report({ type: "frame-dropped", side: "server", reason: "malformed", peer: "p1", detail: "x" });
  obs.report({ type: "frame-dropped", side: "server", reason: "malformed", peer: "p2", detail: "x" });
  obs.report({ type: "frame-dropped", side: "server", reason: "expired", peer: "p1", detail: "x" });
  assert.equal(logger.lines.length, LINES_PER_WINDOW + 2);
  assert.ok(logger.lines.every((l) => l.level === "warn"));
  obs.report({ type: "breaker-closed", host: "tcp://h:1" });
  assert.equal(logger.lines.at(-1)!.level, "info");
});

test("log - secrets are redacted from messages and fields: URL passwords, password=, AUTH", () => {
  assert.equal(redactSecrets("zmq+redis://:pw123@h:6379/0"), "zmq+redis://:***@h:6379/0");
  assert.equal(redactSecrets("redis://user:pw123@h"), "redis://user:***@h");
  assert.equal(redactSecrets("password=pw123&x=1"), "password=***&x=1");
  assert.equal(redactSecrets("AUTH pw123"), "AUTH ***");
  assert.equal(redactSecrets("AUTH user pw123"), "AUTH user ***");
  assert.equal(redactSecrets("tcp://127.0.0.1:5555"), "tcp://127.0.0.1:5555");
  const logger = recordingLogger();
  new RateLimitedLog(logger).log("warn", "k", { error: "connect to redis://:pw123@h failed" }, "AUTH pw123", 0);
  assert.equal(JSON.stringify(logger.lines).includes("pw123"), false);
});

test("log - silent by default; a throwing logger is ignored; console fits; a logger without the methods is refused", () => {
  new RateLimitedLog(undefined).log("warn", "k", {}, "m", 0);
  const throwing = {
    debug() {},
    info() {},
    error() {},
    warn() {
      throw new Error("logger bug");
    },
  };
  new RateLimitedLog(throwing).log("warn", "k", {}, "m", 0);
  assert.equal(checkDriverLogger("logger", console), console);
  assert.throws(() => resolveOptions({ logger: { warn() {} } as never }), /DriverOptions\.logger\.debug/);
  assert.equal(resolveOptions({ logger: console }).statsPublishIntervalMs, 0);
});

test("log - every status event type has a row in spec/observability.md", async () => {
  const { readFileSync } = await import("node:fs");
  const { STATUS_EVENT_TYPES } = await import("../../src/observability/status-events.js");
  const spec = readFileSync(new URL("../../spec/observability.md", import.meta.url), "utf8");
  const missing = STATUS_EVENT_TYPES.filter((t) => !new RegExp(`^\\| \`${t}\` +\\|`, "m").test(spec));
  assert.deepEqual(missing, []);
});
