/**
 * Goal: the pure pieces of the load tool (spec/load.md) do what the spec says: oslo's size
 * table and its drawing, the payloads, the run recorder's counts and series, the report's
 * lost-message accounting and text, the progress line, the server's counts per run and
 * the command line (defaults, one table of options per mode, exit-2 mistakes). Method:
 * plain inputs; no sockets. The client's polling of the servers: load-poll.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../../src/cli/command-line.js";
import { parseLoadArgs } from "../../src/cli/load-options.js";
import { bucketOf, bucketUpperUs } from "../../src/load/histogram.js";
import {
  MESSAGES_LIMIT,
  OSLO_BUCKET_SIZE,
  OSLO_LENGTH_BUCKETS,
  osloSizes,
  preparePayloads,
} from "../../src/load/message-sizes.js";
import { fraction, progressBar, progressLine } from "../../src/load/progress.js";
import { reportParams } from "../../src/load/report-params.js";
import { buildReport, formatReport, RunRecorder, withoutIds } from "../../src/load/run-stats.js";
import { SplitMixRng } from "../../src/load/seeded-rng.js";
import { controlTopic, isStatsAnswer, RunCounts } from "../../src/load/server-counts.js";

const URL = "zmq+redis://127.0.0.1:6379";

test("load - the size table is oslo's messages_length.yaml grouped in buckets of 500 (4077 lengths)", () => {
  assert.equal(OSLO_BUCKET_SIZE, 500);
  assert.equal(
    OSLO_LENGTH_BUCKETS.reduce((n, [, c]) => n + c, 0),
    4077,
  );
  for (const [start] of OSLO_LENGTH_BUCKETS) assert.equal((start - 1) % 500, 0);
});

test("load - oslo sizes follow the table: each bucket's share of 40,000 draws is within 1.5 points of its share of the lengths", () => {
  const draw = osloSizes(new SplitMixRng(7));
  const seen = new Map<number, number>();
  const n = 40_000;
  for (let i = 0; i < n; i++) {
    const start = Math.floor((draw() - 1) / 500) * 500 + 1;
    seen.set(start, (seen.get(start) ?? 0) + 1);
  }
  assert.deepEqual(
    [...seen.keys()].sort((a, b) => a - b),
    OSLO_LENGTH_BUCKETS.map(([s]) => s),
  );
  for (const [start, count] of OSLO_LENGTH_BUCKETS) {
    const want = count / 4077;
    const got = (seen.get(start) ?? 0) / n;
    assert.ok(Math.abs(got - want) < 0.015, `bucket ${start}: ${got} vs ${want}`);
  }
});

test("load - payloads: min(count, 1000) ASCII strings of the sampled sizes, the same for the same seed", () => {
  const make = (count: number): string[] => {
    const rng = new SplitMixRng(3);
    return preparePayloads(osloSizes(rng), rng, count);
  };
  assert.equal(make(5).length, 5);
  assert.equal(make(5000).length, MESSAGES_LIMIT);
  assert.deepEqual(make(20), make(20));
  const rng = new SplitMixRng(3);
  const sizes = osloSizes(new SplitMixRng(3));
  const fixed = preparePayloads(() => 123, rng, 3);
  assert.deepEqual(
    fixed.map((p) => p.length),
    [123, 123, 123],
  );
  assert.ok(fixed.every((p) => /^[a-z]+$/.test(p) && Buffer.byteLength(p) === p.length));
  assert.ok(sizes() >= 501);
});

test("load - histogram buckets: exact below 64 µs, then 64 per power of two, each value inside its bucket", () => {
  for (const us of [0, 1, 63, 64, 65, 127, 128, 129, 1000, 12345, 2 ** 20 - 1, 2 ** 20, 9_999_999]) {
    const i = bucketOf(us);
    assert.ok(us <= bucketUpperUs(i), `${us} above its bucket's upper bound ${bucketUpperUs(i)}`);
    assert.ok(i === 0 || us > bucketUpperUs(i - 1), `${us} not above the previous bucket`);
  }
  assert.equal(bucketUpperUs(bucketOf(63)), 63);
});

test("load - the recorder counts completions, failures, bytes and latency per second; a partial last second is scaled", () => {
  const r = new RunRecorder(1000);
  r.onSent();
  r.onCompleted(1100, 10, 2);
  r.onSent();
  r.onCompleted(1900, 20, 4);
  r.onSent();
  r.onFailed(2200, "timeout", "MessagingTimeout: call 0123456789abcdef0123 timed out");
  r.onSent();
  r.onCompleted(2500, 30, 6);
  assert.equal(r.sent, 4);
  assert.equal(r.completed, 3);
  assert.equal(r.completedBytes, 60);
  assert.equal(r.elapsedMs, 1500);
  const s = r.series();
  assert.equal(s.length, 2);
  assert.deepEqual(
    s.map((p) => [p.second, p.completed, p.msgsPerSec]),
    [
      [0, 2, 2],
      [1, 1, 2],
    ],
  );
  assert.ok(s[0]!.p50Ms !== undefined && s[0]!.p99Ms! >= s[0]!.p50Ms!);
  assert.deepEqual(r.errorSamples, ["MessagingTimeout: call … timed out"]);
});

test("load - report: calls count replies as received; lost = timeouts + errors; rates over the run's duration", () => {
  const r = new RunRecorder(0);
  for (let i = 0; i < 10; i++) r.onSent();
  for (let i = 0; i < 7; i++) r.onCompleted(100 * (i + 1), 100, 1 + i);
  r.onFailed(900, "timeout");
  r.onFailed(1000, "error", "RemoteError: boom");
  r.onFailed(1000, "error", "RemoteError: boom");
  const rep = buildReport(r, { mode: "rpc-client", url: URL, params: { topic: "t" } });
  assert.equal(rep.sent, 10);
  assert.equal(rep.received, 7);
  assert.equal(rep.lost, 3);
  assert.deepEqual(rep.lostBreakdown, { timeouts: 1, errors: 2, unaccounted: 0 });
  assert.equal(rep.durationMs, 1000);
  assert.equal(rep.msgsPerSec, 7);
  assert.equal(rep.bytesPerSec, 700);
  // min and max exact; p50 the upper bound of 4 ms's bucket (4.000..4.031 ms), p99 clamped to the max.
  assert.deepEqual(rep.latencyMs, { minMs: 1, p50Ms: 4.031, p99Ms: 7, maxMs: 7 });
  assert.deepEqual(rep.errorSamples, ["RemoteError: boom"]);
  const text = formatReport(rep);
  assert.match(text, /lost {6}3 \(timeouts 1, errors 2, unaccounted 0\)/);
  assert.match(text, /latency {3}min 1\.000 ms {2}p50 4\.031 ms {2}p99 7\.000 ms {2}max 7\.000 ms/);
});

test("load - report: casts count what the servers received; what they never counted is 'unaccounted'; no latency", () => {
  const r = new RunRecorder(0);
  for (let i = 0; i < 10; i++) r.onSent();
  for (let i = 0; i < 9; i++) r.onCompleted(10 * i, 5);
  r.onFailed(100, "error", "MessageDeliveryFailure: x");
  const rep = buildReport(
    r,
    { mode: "rpc-client", url: URL, params: {} },
    { expected: 20, received: 15, servers: [{ server: "a", received: 15 }] },
  );
  assert.equal(rep.sent, 20);
  assert.equal(rep.received, 15);
  assert.equal(rep.lost, 5);
  assert.deepEqual(rep.lostBreakdown, { timeouts: 0, errors: 1, unaccounted: 4 });
  assert.equal(rep.latencyMs, null);
  assert.match(formatReport(rep), /server {4}a received 15/);
  assert.doesNotMatch(formatReport(rep), /latency/);
  // More received than expected (a duplicate) never makes lost negative.
  assert.equal(buildReport(r, { mode: "m", url: URL, params: {} }, { expected: 3, received: 4 }).lost, 0);
});

test("load - error samples lose their message ids so one kind of failure is one sample", () => {
  assert.equal(
    withoutIds("notification 63920de2-9cb7-4da6-8edf-6403b4d791f2 (load.message) had no listener"),
    "notification … (load.message) had no listener",
  );
  assert.equal(
    withoutIds("cast 0123456789abcdef.x8p to openstack/lossy could not be delivered"),
    "cast … to openstack/lossy could not be delivered",
  );
});

test("load - progress: a bar with the share done (count or duration) and a plain line", () => {
  const s = { done: 450, total: 1000, elapsedMs: 3200, rate: 1234.4, failed: 2 };
  assert.equal(fraction(s), 0.45);
  assert.equal(progressBar(s, 10), "[#####.....]  45% 450/1,000 msgs, 1,234 msgs/s, 2 failed, 3.2 s");
  assert.equal(progressLine(s), "load: 450/1,000 msgs, 1,234 msgs/s, 2 failed, 3.2 s");
  assert.equal(fraction({ done: 5, elapsedMs: 500, durationMs: 2000, rate: 0, failed: 0 }), 0.25);
  assert.equal(fraction({ done: 5, elapsedMs: 5000, durationMs: 2000, rate: 0, failed: 0 }), 1);
});

test("load - server counts per run; load_stats answers one run's counts; malformed messages count under run ''", () => {
  const c = new RunCounts();
  c.add({ run: "a", seq: 0, payload: "xyz" });
  c.add({ run: "a", seq: 1, payload: "xy" });
  c.add({ run: "b", seq: 0, payload: "" });
  c.add(42);
  assert.deepEqual(c.answer("s1", "a"), { server: "s1", run: "a", received: 2, bytes: 5 });
  assert.deepEqual(c.answer("s1", "zzz"), { server: "s1", run: "zzz", received: 0, bytes: 0 });
  assert.equal(c.answer("s1", undefined).received, 1);
  assert.deepEqual(c.summary("rpc-server", "s1"), { mode: "rpc-server", server: "s1", received: 4, bytes: 5, runs: 3 });
  assert.ok(isStatsAnswer(c.answer("s", "a")));
  assert.ok(!isStatsAnswer({ server: "s", received: -1 }));
  assert.ok(!isStatsAnswer(null));
  assert.equal(controlTopic("t"), "load-control.t");
});

const DEFAULTS = {
  mode: "rpc-client",
  url: URL,
  topic: "load",
  json: false,
  concurrency: 16,
  count: 1000,
  timeoutMs: 10_000,
  sizes: { kind: "oslo" },
  seed: 1,
  settleMs: 2000,
  progress: true,
  cast: false,
  fanout: false,
};

test("load - command line: defaults, --fanout implies --cast, --size, $ZMQ_TRANSPORT_URL, --help", () => {
  assert.deepEqual(parseLoadArgs(["rpc-client", "--url", URL]), DEFAULTS);
  assert.deepEqual(parseLoadArgs(["rpc-client"], { ZMQ_TRANSPORT_URL: URL }), DEFAULTS);
  const a = parseLoadArgs([
    "rpc-client",
    "--url",
    URL,
    "--fanout",
    "--size",
    "100",
    "--duration-ms",
    "500",
    "--no-progress",
  ]);
  assert.ok(a !== "help");
  assert.equal(a.cast, true);
  assert.equal(a.fanout, true);
  assert.deepEqual(a.sizes, { kind: "fixed", bytes: 100 });
  assert.equal(a.count, undefined);
  assert.equal(a.durationMs, 500);
  assert.equal(a.progress, false);
  assert.equal(parseLoadArgs(["--help"]), "help");
  const s = parseLoadArgs(["notify-server", "--url", URL, "--pool", "p", "--server", "n1"]);
  assert.ok(s !== "help");
  assert.equal(s.pool, "p");
  assert.equal(s.server, "n1");
  assert.deepEqual(reportParams(a), {
    topic: "load",
    concurrency: 16,
    durationMs: 500,
    cast: true,
    fanout: true,
    timeoutMs: 10_000,
    sizes: "100",
    seed: 1,
  });
});

test("load - command line mistakes are UsageErrors naming the problem", () => {
  const cases: [string[], RegExp][] = [
    [["--url", URL], /a mode is required/],
    [["rpc-thing", "--url", URL], /unknown mode rpc-thing/],
    [["rpc-client"], /--url is required/],
    [["rpc-server", "--url", URL, "--count", "5"], /rpc-server does not take --count/],
    [["notify-client", "--url", URL, "--cast"], /notify-client does not take --cast/],
    [["notify-server", "--url", URL, "--exchange", "x"], /does not take --exchange/],
    [["rpc-client", "--url", URL, "--count", "0"], /--count needs an integer >= 1/],
    [["rpc-client", "--url", URL, "--count", "5", "--duration-ms", "5"], /exclude each other/],
    [["rpc-client", "--url", URL, "--size", "5", "--sizes", "oslo"], /exclude each other/],
    [["rpc-client", "--url", URL, "--sizes", "big"], /--sizes takes only "oslo"/],
    [["rpc-client", "--url", URL, "--bogus"], /unknown option --bogus/],
    [["rpc-client", "--url", URL, "--progress", "--no-progress"], /exclude each other/],
    [["rpc-client", "extra", "--url", URL], /unexpected argument extra/],
  ];
  for (const [argv, message] of cases)
    assert.throws(
      () => parseLoadArgs(argv, {}),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
      argv.join(" "),
    );
});
